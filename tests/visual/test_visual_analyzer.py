"""Acceptance of the visual clue on real faces that ship in packages and on real videos."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from emer_common.contracts import ClueStatus
from emer_common.findings import ModalityFindings
from emer_common.media import MediaError
from emer_common.vocabulary import EmotionVocabulary
from emer_visual.analyzer import VisualAnalyzer
from emer_visual.settings import VisualSettings
from tests.visual.conftest import SAMPLES, write_audio_only, write_clip

pytestmark = pytest.mark.unit

EVIDENCE_BUDGET_BYTES = 50_000


def _codes(findings: ModalityFindings) -> set[str]:
    return {e.name.split(" ")[0] for e in findings.evidence if e.name.startswith("AU")}


def _evidence_bytes(findings: ModalityFindings) -> int:
    return len(json.dumps([e.model_dump(mode="json") for e in findings.evidence]))


def test_smiling_astronaut_reads_as_a_happy_smile(
    analyzer: VisualAnalyzer, astronaut: np.ndarray
) -> None:
    findings = analyzer.analyze_images([astronaut])
    assert findings.status is ClueStatus.OK
    assert "AU12" in _codes(findings)
    assert "smile" in findings.description
    assert max(findings.emotion_hints, key=findings.emotion_hints.get) == "happy"
    assert findings.emotion_hints["happy"] >= 0.6
    assert "FER-7" in findings.description  # the independent classifier is reported too


def test_neutral_hopper_has_no_smile_and_no_happy_hint(
    analyzer: VisualAnalyzer, hopper: np.ndarray
) -> None:
    findings = analyzer.analyze_images([hopper])
    assert findings.status is ClueStatus.OK
    assert "AU12" not in _codes(findings)
    assert "smile" not in findings.description
    assert findings.emotion_hints.get("happy", 0.0) < 0.2
    assert max(findings.emotion_hints, key=findings.emotion_hints.get) == "neutral"


def test_hints_are_vocabulary_base_words(analyzer: VisualAnalyzer, astronaut: np.ndarray) -> None:
    vocabulary = EmotionVocabulary.default()
    findings = analyzer.analyze_images([astronaut])
    for word, strength in findings.emotion_hints.items():
        assert vocabulary.normalize(word) == word
        assert 0.0 <= strength <= 1.0


def test_coffee_has_no_face(analyzer: VisualAnalyzer, coffee: np.ndarray) -> None:
    findings = analyzer.analyze_images([coffee])
    assert findings.status is ClueStatus.NO_SIGNAL
    assert findings.error is not None and findings.error.code == "no_face"
    assert findings.emotion_hints == {}


def test_black_frames_are_too_dark(analyzer: VisualAnalyzer) -> None:
    findings = analyzer.analyze_images([np.zeros((240, 320, 3), np.uint8)] * 2)
    assert findings.status is ClueStatus.NO_SIGNAL
    assert findings.error is not None and findings.error.code == "too_dark"


def test_face_below_min_size_is_too_small(astronaut: np.ndarray) -> None:
    # the astronaut's face is about 105 px tall; demand 150 px
    strict = VisualAnalyzer.from_settings(VisualSettings(min_face_px=150))
    try:
        findings = strict.analyze_images([astronaut])
    finally:
        strict.close()
    assert findings.status is ClueStatus.NO_SIGNAL
    assert findings.error is not None and findings.error.code == "face_too_small"
    assert "150 px" in findings.description


def test_clip_that_switches_face_is_described_as_changing(
    analyzer: VisualAnalyzer, face_switch_clip: Path
) -> None:
    findings = analyzer.analyze(face_switch_clip, 0.0, None)
    assert findings.status is ClueStatus.OK
    segments = [e for e in findings.evidence if e.name == "expression_segment"]
    assert [s.value for s in segments] == ["happy", "neutral"]
    assert 1.5 <= (segments[1].start_s or 0.0) <= 2.5
    assert "changes" in findings.description and "smile fades" in findings.description
    assert any(e.name == "shot_change" for e in findings.evidence)
    assert _evidence_bytes(findings) < EVIDENCE_BUDGET_BYTES


def test_stern_sample_reads_as_angry_throughout(analyzer: VisualAnalyzer) -> None:
    findings = analyzer.analyze(SAMPLES / "angry_complaint.mp4", 0.0, None)
    assert findings.status is ClueStatus.OK
    assert max(findings.emotion_hints, key=findings.emotion_hints.__getitem__) == "angry"
    segments = [e.value for e in findings.evidence if e.name == "expression_segment"]
    assert segments == ["angry"]
    assert not any(e.name == "shot_change" for e in findings.evidence)


def test_built_clip_from_neutral_to_smile(
    analyzer: VisualAnalyzer, hopper: np.ndarray, astronaut: np.ndarray, tmp_path: Path
) -> None:
    clip = write_clip(tmp_path / "change.mp4", [hopper, astronaut], seconds_each=2.0)
    findings = analyzer.analyze(clip, 0.0, None)
    labels = [e.value for e in findings.evidence if e.name == "expression_segment"]
    assert labels == ["neutral", "happy"]
    assert "Later (from 2.0 s) the expression changes" in findings.description


def test_only_the_requested_span_is_analysed(
    analyzer: VisualAnalyzer, hopper: np.ndarray, astronaut: np.ndarray, tmp_path: Path
) -> None:
    clip = write_clip(tmp_path / "span.mp4", [hopper, astronaut], seconds_each=2.0)
    findings = analyzer.analyze(clip, 2.2, 4.0)
    frames = [e for e in findings.evidence if e.name == "frame_expression"]
    assert frames and all(2.2 <= (e.start_s or 0.0) < 4.0 for e in frames)
    assert {e.value for e in frames} == {"happy"}


def test_sample_clips_read_as_their_faces(analyzer: VisualAnalyzer) -> None:
    happy = analyzer.analyze(SAMPLES / "happy_news.mp4", 0.0, None)
    neutral = analyzer.analyze(SAMPLES / "worried_call.mp4", 0.0, None)
    assert max(happy.emotion_hints, key=happy.emotion_hints.get) == "happy"
    assert neutral.emotion_hints.get("happy", 0.0) < 0.2
    assert {m.component for m in happy.models} == {"face_landmarks", "expression_classifier"}


def test_audio_only_file_has_no_video_stream(analyzer: VisualAnalyzer, tmp_path: Path) -> None:
    findings = analyzer.analyze(write_audio_only(tmp_path / "tone.m4a"), 0.0, None)
    assert findings.status is ClueStatus.NO_SIGNAL
    assert findings.error is not None and findings.error.code == "no_video_stream"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"this is not a video at all\n" * 20, "unreadable_media"),
        (b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8, "unreadable_media"),
    ],
)
def test_bad_files_raise_media_error(
    analyzer: VisualAnalyzer, tmp_path: Path, content: bytes, code: str
) -> None:
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError) as raised:
        analyzer.analyze(path, 0.0, None)
    assert raised.value.code == code


def test_truncated_video_raises(analyzer: VisualAnalyzer, tmp_path: Path) -> None:
    data = (SAMPLES / "happy_news.mp4").read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[: len(data) // 3])  # the index (moov) is at the end: cut off
    with pytest.raises(MediaError) as raised:
        analyzer.analyze(path, 0.0, None)
    assert raised.value.code == "unreadable_media"


def test_missing_file_raises(analyzer: VisualAnalyzer, tmp_path: Path) -> None:
    with pytest.raises(MediaError) as raised:
        analyzer.analyze(tmp_path / "nope.mp4", 0.0, None)
    assert raised.value.code == "not_found"


def test_span_errors_and_a_span_after_the_end(analyzer: VisualAnalyzer) -> None:
    clip = SAMPLES / "happy_news.mp4"
    for start, end in ((-1.0, 2.0), (3.0, 3.0), (3.0, 1.0)):
        with pytest.raises(MediaError) as raised:
            analyzer.analyze(clip, start, end)
        assert raised.value.code == "invalid_span"
    findings = analyzer.analyze(clip, 60.0, 65.0)
    assert findings.status is ClueStatus.NO_SIGNAL
    assert findings.error is not None and findings.error.code == "no_frames_in_range"


def test_end_past_the_video_keeps_every_slice_inside_it(analyzer: VisualAnalyzer) -> None:
    findings = analyzer.analyze(SAMPLES / "happy_news.mp4", 0.0, 60.0)
    frames = [e for e in findings.evidence if e.name == "frame_expression"]
    assert len(frames) == analyzer.settings.frames_per_clip


def test_small_face_in_a_wide_shot_is_found_in_tiles(
    analyzer: VisualAnalyzer, astronaut: np.ndarray
) -> None:
    from PIL import Image

    # the astronaut's face becomes ~8% of a 1280x720 frame (~49 px once scaled to 640 px):
    # the detector alone misses it
    canvas = np.full((720, 1280, 3), 128, np.uint8)
    canvas[100:580, 500:980] = np.asarray(Image.fromarray(astronaut).resize((480, 480)))
    assert analyzer.landmarker.detect([canvas[::2, ::2].copy()]) == [[]]
    findings = analyzer.analyze_images([canvas])
    assert findings.status is ClueStatus.OK
    assert any(e.name == "small_face_search" for e in findings.evidence)
    assert "small in the picture" in findings.description
    assert max(findings.emotion_hints, key=findings.emotion_hints.get) == "happy"
