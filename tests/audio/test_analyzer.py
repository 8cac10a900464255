"""The audio analyzer end to end on real speech with the real models (tiny.en, Silero VAD)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from emer_audio.analyzer import AudioAnalyzer
from emer_common.contracts import ClueStatus
from emer_common.media import MediaError
from emer_common.subtitles import read_text_file
from tests.audio.media import FRONT_CENTER, SENTENCE, espeak, read_wav, video, write_wav

pytestmark = pytest.mark.unit
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SR = 16_000


def words_of(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words_of(reference), words_of(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(len(ref), 1)


def evidence(findings, name: str) -> float:  # type: ignore[no-untyped-def]
    return next(float(e.value) for e in findings.evidence if e.name == name)


@pytest.fixture(scope="module")
def contrast(tmp_path_factory: pytest.TempPathFactory, analyzer: AudioAnalyzer):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("espeak")
    high = espeak(folder / "high.wav", SENTENCE, pitch=80, speed=200, amplitude=180)
    low = espeak(folder / "low.wav", SENTENCE, pitch=15, speed=110, amplitude=50)
    return analyzer.analyze(high, 0.0, None), analyzer.analyze(low, 0.0, None)


def test_high_fast_loud_and_low_slow_soft_speech_are_described_oppositely(contrast) -> None:  # type: ignore[no-untyped-def]
    (high, high_text), (low, low_text) = contrast
    assert high.status == low.status == ClueStatus.OK
    assert high.description.startswith("In the audio, the speaker's voice is")
    assert "higher than usual" in high.description
    assert "lower than usual" in low.description
    assert "fast" in high.description and "slow" in low.description
    assert "loud" in high.description and "quiet" in low.description
    assert "energetic" in high.description and "subdued" in low.description
    assert any("fast" in c for c in high.cues) and any("slow" in c for c in low.cues)
    for name in ("f0_median", "speaking_rate", "articulation_rate", "loudness"):
        assert evidence(high, name) > evidence(low, name), name
    high_top = max(high.emotion_hints, key=high.emotion_hints.__getitem__)
    low_top = max(low.emotion_hints, key=low.emotion_hints.__getitem__)
    assert high_top in {"excited", "angry", "happy"}
    assert low_top in {"sad", "tired"}
    assert all(0 < v <= 0.5 for v in (*high.emotion_hints.values(), *low.emotion_hints.values()))
    assert high_text is not None and low_text is not None
    assert word_error_rate(SENTENCE, high_text.text) <= 0.2


def test_clipping_of_the_overdriven_espeak_clip_is_reported(contrast) -> None:  # type: ignore[no-untyped-def]
    (high, _), (low, _) = contrast
    assert "clipped, overdriven peaks" in high.cues
    assert evidence(high, "clipped_fraction") > evidence(low, "clipped_fraction") == 0


def test_front_center_is_transcribed(analyzer: AudioAnalyzer) -> None:
    if not FRONT_CENTER.exists():
        pytest.skip("alsa-utils sounds are not installed (make system-deps)")
    findings, transcript = analyzer.analyze(FRONT_CENTER, 0.0, None)
    assert findings.status == ClueStatus.OK
    assert transcript is not None and transcript.language == "en"
    assert words_of(transcript.text) == ["front", "center"]
    assert [w.word.lower().strip(".") for w in transcript.words] == ["front", "center"]
    assert 0.0 <= transcript.words[0].start_s < transcript.words[1].end_s <= 1.5
    assert transcript.model is not None and "tiny.en" in transcript.model.model


@pytest.mark.parametrize("clip", ["happy_news", "worried_call", "angry_complaint"])
def test_sample_clips_transcribe_to_their_subtitles(analyzer: AudioAnalyzer, clip: str) -> None:
    reference = " ".join(
        line
        for line in read_text_file(SAMPLES / f"{clip}.srt").splitlines()
        if line.strip() and not line.strip().isdigit() and "-->" not in line
    )
    findings, transcript = analyzer.analyze(SAMPLES / f"{clip}.mp4", 0.0, None)
    assert findings.status == ClueStatus.OK
    assert transcript is not None
    assert word_error_rate(reference, transcript.text) <= 0.25, transcript.text
    assert len(json.dumps([e.model_dump() for e in findings.evidence])) < 50_000


def test_sample_clips_contrast_in_pitch_and_tempo(analyzer: AudioAnalyzer) -> None:
    happy, _ = analyzer.analyze(SAMPLES / "happy_news.mp4", 0.0, None)
    worried, _ = analyzer.analyze(SAMPLES / "worried_call.mp4", 0.0, None)
    assert evidence(happy, "f0_median") > evidence(worried, "f0_median") * 1.4
    assert evidence(happy, "tempo_ratio") > 1.1 > 0.95 > evidence(worried, "tempo_ratio")
    assert "lower than usual" in worried.description
    assert "sad" in worried.emotion_hints and "sad" not in happy.emotion_hints


def test_a_window_of_a_clip_has_source_timestamps(analyzer: AudioAnalyzer) -> None:
    findings, transcript = analyzer.analyze(SAMPLES / "worried_call.mp4", 3.0, 6.0)
    assert findings.status == ClueStatus.OK and transcript is not None
    assert "don't know" not in transcript.text.lower()  # said before 2.4 s
    assert all(3.0 <= w.start_s <= w.end_s <= 6.05 for w in transcript.words)
    speech = next(e for e in findings.evidence if e.name == "speech")
    assert speech.start_s is not None and speech.start_s >= 3.0


def test_digital_silence(analyzer: AudioAnalyzer, tmp_path: Path) -> None:
    dither = (1e-5 * np.random.default_rng(0).standard_normal(3 * SR)).astype(np.float32)
    for samples in (np.zeros(3 * SR, np.float32), dither):
        findings, transcript = analyzer.analyze(write_wav(tmp_path / "s.wav", samples), 0, None)
        assert findings.status == ClueStatus.NO_SIGNAL
        assert findings.error is not None and findings.error.code == "silence"
        assert transcript is None


def test_video_without_audio_track(analyzer: AudioAnalyzer, tmp_path: Path) -> None:
    findings, transcript = analyzer.analyze(video(tmp_path / "mute.mp4", 2.0), 0.0, None)
    assert findings.status == ClueStatus.NO_SIGNAL
    assert findings.error is not None and findings.error.code == "no_audio_track"
    assert transcript is None


def test_video_with_a_silent_audio_track(analyzer: AudioAnalyzer, tmp_path: Path) -> None:
    path = video(tmp_path / "quiet.mp4", 2.0, audio=np.zeros(2 * SR, np.float32))
    findings, _ = analyzer.analyze(path, 0.0, None)
    assert findings.error is not None and findings.error.code == "silence"


def test_noise_without_speech(analyzer: AudioAnalyzer, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    hum = 0.1 * np.sin(2 * np.pi * 50 * np.arange(3 * SR) / SR)
    noise = (hum + 0.05 * rng.standard_normal(3 * SR)).astype(np.float32)
    findings, transcript = analyzer.analyze(write_wav(tmp_path / "n.wav", noise), 0.0, None)
    assert findings.status == ClueStatus.NO_SIGNAL
    assert findings.error is not None and findings.error.code == "no_speech"
    assert "silen" not in findings.description.lower()
    assert transcript is None


@pytest.mark.parametrize(
    ("gain_db", "noise_db"),
    [(0.0, None), (-40.0, None), (0.0, -35.0), (-20.0, -50.0), (-40.0, -35.0)],
)
def test_speech_is_never_called_silent(
    analyzer: AudioAnalyzer, tmp_path: Path, gain_db: float, noise_db: float | None
) -> None:
    """Quiet and noisy speech is described; only a hopeless mix (speech ~28 dB under the
    noise) may be "no speech", and none of them is ever "silence"."""
    if not FRONT_CENTER.exists():
        pytest.skip("alsa-utils sounds are not installed (make system-deps)")
    speech, rate = read_wav(FRONT_CENTER)
    mixed = speech * 10 ** (gain_db / 20)
    if noise_db is not None:
        mixed = mixed + 10 ** (noise_db / 20) * np.random.default_rng(2).standard_normal(len(mixed))
    path = write_wav(tmp_path / "speech.wav", mixed.astype(np.float32), rate)
    findings, transcript = analyzer.analyze(path, 0.0, None)
    assert "silen" not in findings.description.lower()
    assert findings.error is None or findings.error.code != "silence"
    snr_db = gain_db - 23.0 - (noise_db if noise_db is not None else -200.0)  # speech ~-23 dBFS
    if snr_db > 0:
        assert findings.status == ClueStatus.OK, findings.description
        assert transcript is not None and "front" in transcript.text.lower()


def test_undecodable_file_raises_media_error(analyzer: AudioAnalyzer, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(MediaError):
        analyzer.analyze(path, 0.0, None)


def test_models_are_reported(analyzer: AudioAnalyzer) -> None:
    components = {m.component for m in analyzer.models}
    assert {"vad", "asr", "prosody"} <= components
