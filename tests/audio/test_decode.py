"""Windowed decoding with PyAV: exact windows, bounded memory, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emer_audio.decode import SAMPLE_RATE, decode_audio_window
from emer_common.media import MediaError
from tests.audio.media import read_wav, video, write_wav

pytestmark = pytest.mark.unit
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_window_matches_the_same_span_of_a_full_decode(tmp_path: Path) -> None:
    t = np.arange(5 * SAMPLE_RATE) / SAMPLE_RATE
    chirp = (0.3 * np.sin(2 * np.pi * (100 + 40 * t) * t)).astype(np.float32)
    path = write_wav(tmp_path / "chirp.wav", chirp)
    full = decode_audio_window(path, 0.0, None, 600)
    part = decode_audio_window(path, 2.0, 3.5, 600)
    assert full is not None and part is not None
    assert part.start_s == 2.0
    assert len(part.samples) == int(1.5 * SAMPLE_RATE)
    expected = full.samples[2 * SAMPLE_RATE : int(3.5 * SAMPLE_RATE)]
    assert np.max(np.abs(part.samples - expected)) < 1e-3


def test_resamples_a_48k_file_to_16k_mono() -> None:
    path = Path("/usr/share/sounds/alsa/Front_Center.wav")
    if not path.exists():
        pytest.skip("alsa-utils sounds are not installed (make system-deps)")
    source, rate = read_wav(path)
    window = decode_audio_window(path, 0.0, None, 600)
    assert window is not None and rate == 48_000
    assert window.sample_rate == SAMPLE_RATE
    assert abs(window.duration_s - len(source) / rate) < 0.01
    # the level survives resampling (within 0.5 dB)
    rms_in = 20 * np.log10(np.sqrt(np.mean(source**2)))
    rms_out = 20 * np.log10(np.sqrt(np.mean(window.samples**2)))
    assert abs(rms_in - rms_out) < 0.5


def test_seeks_into_an_mp4_window() -> None:
    clip = SAMPLES / "worried_call.mp4"
    full = decode_audio_window(clip, 0.0, None, 600)
    part = decode_audio_window(clip, 3.0, 5.0, 600)
    assert full is not None and part is not None
    assert len(part.samples) == 2 * SAMPLE_RATE
    expected = full.samples[3 * SAMPLE_RATE : 5 * SAMPLE_RATE]
    assert np.corrcoef(part.samples, expected)[0, 1] > 0.99


def test_window_is_capped_by_max_window(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", 0.1 * np.ones(4 * SAMPLE_RATE, np.float32))
    window = decode_audio_window(path, 0.0, None, max_window_s=1.5)
    assert window is not None
    assert window.truncated
    assert len(window.samples) == int(1.5 * SAMPLE_RATE)
    whole = decode_audio_window(path, 0.0, 10.0, max_window_s=600)
    assert whole is not None and not whole.truncated and whole.duration_s == 4.0


def test_video_without_audio_gives_none(tmp_path: Path) -> None:
    assert decode_audio_window(video(tmp_path / "mute.mp4", 1.0), 0.0, None, 600) is None


def test_window_past_the_end_is_empty(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "short.wav", 0.1 * np.ones(SAMPLE_RATE, np.float32))
    window = decode_audio_window(path, 5.0, 6.0, 600)
    assert window is not None and len(window.samples) == 0


@pytest.mark.parametrize("content", [b"", b"this is not a media file at all" * 50])
def test_undecodable_files_raise_media_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError):
        decode_audio_window(path, 0.0, None, 600)


def test_truncated_mp4_raises_media_error(tmp_path: Path) -> None:
    data = (SAMPLES / "happy_news.mp4").read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaError):
        decode_audio_window(path, 0.0, None, 600)


def test_empty_window_is_rejected(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tone.wav", 0.1 * np.ones(SAMPLE_RATE, np.float32))
    with pytest.raises(MediaError):
        decode_audio_window(path, 0.5, 0.5, 600)


def test_memory_does_not_grow_with_media_length(tmp_path: Path) -> None:
    import tracemalloc

    long = np.zeros(10 * 60 * SAMPLE_RATE, np.float32)  # a 10 minute file
    long[300 * SAMPLE_RATE : 301 * SAMPLE_RATE] = 0.2
    path = write_wav(tmp_path / "long.wav", long)
    del long
    tracemalloc.start()
    window = decode_audio_window(path, 300.0, 301.0, 600)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert window is not None and np.allclose(window.samples[100:-100], 0.2, atol=0.01)
    # a 1 s window is 64 kB of float32; the whole file decoded would be 38 MB
    assert peak < 2_000_000
