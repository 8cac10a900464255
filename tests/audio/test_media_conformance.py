"""Media conformance: every container/codec users bring decodes to the spoken words, or fails
with a plain-words error; damaged files give what survives.

Files are generated with PyAV's encoders from one espeak-ng sentence (see
``tests/conformance_media.py``). A small matrix runs in the default tier, the full matrix in
the slow tier.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import av
import numpy as np
import pytest

from emer_audio.analyzer import AudioAnalyzer
from emer_audio.decode import SAMPLE_RATE, decode_audio_window
from emer_common.media import MediaError
from tests.conformance_media import (
    AUDIO_CODECS,
    SPOKEN_WORDS,
    VIDEO_CODECS,
    damaged,
    make_media,
    speech,
    unaligned_avi,
)

pytestmark = pytest.mark.unit

# (container suffix, video codec, audio codec): what each container is commonly written with
FAST_MATRIX = [
    ("mp4", "h264", "aac"),
    ("mov", "mjpeg", "pcm"),
    ("mkv", "vp9", "opus"),
    ("webm", "vp8", "opus"),
    ("avi", "mpeg4", "mp3"),
    ("ts", "mpeg2", "ac3"),
    ("flv", "h264", "mp3"),
    ("mkv", "h264", "flac"),
    ("mp4", "h264", "aac51"),
    ("wav", None, "mulaw8k"),
    ("ogg", None, "opus"),
    ("ogg", None, "vorbis"),
    ("m4a", None, "aac"),
    ("mp3", None, "mp3"),
    ("flac", None, "flac"),
]
CONTAINERS = ("mp4", "mov", "mkv", "webm", "avi", "ts", "flv")
FULL_MATRIX = [
    (container, video, audio)
    for container, video, audio in itertools.product(CONTAINERS, VIDEO_CODECS, AUDIO_CODECS)
    if (container, video, audio) not in FAST_MATRIX
]
DAMAGE = ("truncated", "zeroed", "flipped")
TECHNICAL = re.compile(r"errno|Error\b|Exception|avcodec_|Traceback", re.IGNORECASE)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory):
    return speech(tmp_path_factory.mktemp("speech"))


def _make_or_skip(path: Path, spoken, video: str | None, audio: str) -> Path:
    try:
        made = make_media(path, spoken, video, audio)
    except (av.error.FFmpegError, ValueError) as error:
        # not a failure of emer: this FFmpeg build or this muxer cannot write the pair
        pytest.skip(f"cannot write {audio}/{video} into {path.suffix}: {error}")
    with av.open(str(made)) as container:
        if not container.streams.audio:
            # MPEG-TS stores PCM/FLAC as opaque private data that no demuxer reads back
            pytest.skip(f"{path.suffix} does not carry {audio} as an audio stream")
    return made


def _heard(analyzer: AudioAnalyzer, path: Path) -> str:
    window = decode_audio_window(path, 0.0, None, 600)
    assert window is not None and window.sample_rate == SAMPLE_RATE
    return analyzer.asr.transcribe(window.samples, SAMPLE_RATE).text.lower()


@pytest.mark.parametrize(
    ("audio", "muxer", "chunk"),
    [("aac", "adts", 1000), ("mp3", "mp3", 1000), ("ac3", "ac3", 700), ("aac", "adts", 333)],
)
def test_avi_with_unaligned_audio_packets_yields_a_transcript(
    tmp_path: Path, spoken, analyzer: AudioAnalyzer, audio: str, muxer: str, chunk: int
) -> None:
    """The issue's reproduction: audio packets cut in fixed-size chunks across frames."""
    path = unaligned_avi(tmp_path / f"old_{audio}.avi", spoken, audio, muxer, chunk)
    findings, transcript = analyzer.analyze(path, 0.0, None)
    assert transcript is not None, findings.description
    assert all(word in transcript.text.lower() for word in SPOKEN_WORDS), transcript.text


@pytest.mark.parametrize(("container", "video", "audio"), FAST_MATRIX)
def test_common_media_decode_to_the_spoken_words(
    tmp_path: Path, spoken, analyzer: AudioAnalyzer, container: str, video: str | None, audio: str
) -> None:
    path = _make_or_skip(tmp_path / f"clip.{container}", spoken, video, audio)
    text = _heard(analyzer, path)
    assert all(word in text for word in SPOKEN_WORDS), text


@pytest.mark.slow
@pytest.mark.parametrize(("container", "video", "audio"), FULL_MATRIX)
def test_full_matrix_decodes_to_the_spoken_words(
    tmp_path: Path, spoken, analyzer: AudioAnalyzer, container: str, video: str, audio: str
) -> None:
    path = _make_or_skip(tmp_path / f"clip.{container}", spoken, video, audio)
    text = _heard(analyzer, path)
    assert all(word in text for word in SPOKEN_WORDS), text


def _damaged_case(tmp_path: Path, spoken, container: str, video, audio: str, kind: str):
    source = _make_or_skip(tmp_path / f"good.{container}", spoken, video, audio)
    path = damaged(source, tmp_path / f"{kind}.{container}", kind)
    try:
        return decode_audio_window(path, 0.0, None, 600), None
    except MediaError as error:
        return None, error


@pytest.mark.parametrize("kind", DAMAGE)
@pytest.mark.parametrize(
    ("container", "video", "audio"),
    [("mp4", "h264", "aac"), ("mkv", "h264", "flac"), ("ts", "mpeg2", "ac3"), ("wav", None, "pcm")],
)
def test_damaged_media_give_what_survives_or_a_plain_error(
    tmp_path: Path, spoken, container: str, video: str | None, audio: str, kind: str
) -> None:
    window, error = _damaged_case(tmp_path, spoken, container, video, audio, kind)
    if error is not None:
        assert not TECHNICAL.search(error.message), error.message
        assert str(tmp_path) in error.message
        return
    assert window is not None
    assert 0.0 <= window.decoded_share <= 1.0
    if kind == "truncated":
        assert 0 < window.duration_s < len(spoken) / 22_050


@pytest.mark.parametrize(
    ("container", "video", "audio"), [("avi", "mpeg4", "mp3"), ("mkv", "h264", "aac")]
)
def test_files_without_their_index_still_give_the_words(
    tmp_path: Path, spoken, analyzer: AudioAnalyzer, container: str, video: str, audio: str
) -> None:
    source = make_media(tmp_path / f"good.{container}", spoken, video, audio)
    path = damaged(source, tmp_path / f"no_index.{container}", "no_index")
    assert path.stat().st_size < source.stat().st_size
    text = _heard(analyzer, path)
    assert all(word in text for word in SPOKEN_WORDS), text


def test_damage_is_reported_as_a_share_and_in_words(
    tmp_path: Path, spoken, analyzer: AudioAnalyzer
) -> None:
    source = make_media(tmp_path / "good.ts", spoken, "mpeg2", "ac3")
    path = damaged(source, tmp_path / "flipped.ts", "flipped")
    findings, _ = analyzer.analyze(path, 0.0, None)
    share = {e.name: e.value for e in findings.evidence}.get("decoded_share")
    if findings.status.value == "ok":
        assert share is not None and 0 < float(share) < 1
        assert "damaged" in findings.description


def test_nothing_decodable_fails_in_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "noise.avi"
    rng = np.random.default_rng(14)
    with av.open(str(path), "w", format="avi") as container:
        stream = container.add_stream("mp3", rate=44_100)
        for _ in range(20):
            packet = av.Packet(rng.integers(0, 256, 600, dtype=np.uint8).tobytes())
            packet.stream = stream
            container.mux(packet)
    with pytest.raises(MediaError) as raised:
        decode_audio_window(path, 0.0, None, 600)
    assert raised.value.code == "undecodable_audio"
    assert not TECHNICAL.search(raised.value.message), raised.value.message
    assert "noise.avi" in raised.value.message


def test_unopenable_file_says_why_without_an_errno(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("meeting notes, not a video\n" * 40)
    with pytest.raises(MediaError) as raised:
        decode_audio_window(path, 0.0, None, 600)
    assert not TECHNICAL.search(raised.value.message), raised.value.message
    assert "notes.mp4" in raised.value.message


def _two_tracks(path: Path, spoken, default_index: int) -> Path:
    """An MKV with a silent French track and a spoken English one."""
    with av.open(str(path), "w") as container:
        streams = []
        for language in ("fra", "eng"):
            stream = container.add_stream("flac", rate=22_050)
            stream.layout, stream.format = "mono", "s16"
            stream.metadata["language"] = language
            streams.append(stream)
        for index, stream in enumerate(streams):
            stream.disposition = av.stream.Disposition(1 if index == default_index else 0)
        for stream, samples in zip(streams, (np.zeros_like(spoken), spoken), strict=True):
            pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 22_050, 0
            container.mux(stream.encode(frame))
            container.mux(stream.encode())
    return path


def test_the_default_track_then_the_preferred_language_is_read(tmp_path: Path, spoken) -> None:
    by_default = _two_tracks(tmp_path / "default_eng.mkv", spoken, default_index=1)
    window = decode_audio_window(by_default, 0.0, None, 600)
    assert window is not None and float(np.abs(window.samples).max()) > 0.1
    french_default = _two_tracks(tmp_path / "default_fra.mkv", spoken, default_index=0)
    silent = decode_audio_window(french_default, 0.0, None, 600)
    assert silent is not None and float(np.abs(silent.samples).max()) < 0.01
    english = decode_audio_window(french_default, 0.0, None, 600, languages=("en",))
    assert english is not None and float(np.abs(english.samples).max()) > 0.1
