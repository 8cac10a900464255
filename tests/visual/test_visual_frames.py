"""Frame sampling with PyAV: the whole span is seen, shot changes are caught, sizes bounded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emer_common.media import MediaError
from emer_visual.frames import bounded_size, sample_frames
from emer_visual.settings import VisualSettings
from tests.visual.conftest import SAMPLES, write_audio_only, write_clip

pytestmark = pytest.mark.unit


def test_frames_cover_the_whole_clip_uniformly() -> None:
    sample = sample_frames(SAMPLES / "worried_call.mp4", 0.0, None, 8, 640)
    times = [f.time_s for f in sample.frames]
    assert len(times) == 8 and times == sorted(times)
    slice_s = sample.end_s / 8
    for i, t in enumerate(times):
        assert i * slice_s <= t < (i + 1) * slice_s
    assert sample.decoded_frames > 100  # every frame was looked at for changes


def test_shot_change_moves_the_slice_to_the_new_shot(face_switch_clip: Path) -> None:
    sample = sample_frames(face_switch_clip, 0.0, None, 8, 640)
    assert len(sample.shot_changes_s) == 1
    assert sample.shot_changes_s[0] == pytest.approx(2.0, abs=0.05)
    moved = [f for f in sample.frames if f.after_shot_change]
    assert len(moved) == 1 and moved[0].time_s == pytest.approx(sample.shot_changes_s[0])


def test_span_and_size_limits(tmp_path: Path, astronaut: np.ndarray) -> None:
    clip = write_clip(tmp_path / "a.mp4", [astronaut], seconds_each=3.0)
    sample = sample_frames(clip, 1.0, 2.0, 4, 128)
    assert all(1.0 <= f.time_s < 2.0 for f in sample.frames)
    assert all(max(f.rgb.shape[:2]) <= 128 for f in sample.frames)
    assert sample.frames[0].rgb.dtype == np.uint8 and sample.frames[0].rgb.shape[2] == 3


def test_bounded_size_never_upscales() -> None:
    assert bounded_size(320, 240, 640) == (320, 240)
    assert bounded_size(1920, 1080, 640) == (640, 360)


def test_audio_only_raises_no_video_stream(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as raised:
        sample_frames(write_audio_only(tmp_path / "a.m4a"), 0.0, None, 8, 640)
    assert raised.value.code == "no_video_stream"


def test_settings_read_the_visual_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMER_VISUAL_FRAMES_PER_CLIP", "12")
    monkeypatch.setenv("EMER_VISUAL_BACKEND", "clip")
    settings = VisualSettings()
    assert settings.frames_per_clip == 12 and settings.backend == "clip"
    assert settings.health_port == 8080
    with pytest.raises(ValueError):
        settings.frames_per_clip = 3  # type: ignore[misc]


def test_motion_frames_are_evenly_spaced_and_not_moved_to_cuts(face_switch_clip: Path) -> None:
    sample = sample_frames(face_switch_clip, 0.0, None, 8, 640, motion_count=20)
    assert len(sample.frames) == 8 and len(sample.motion_frames) == 20
    assert not any(f.after_shot_change for f in sample.motion_frames)
    gaps = np.diff([f.time_s for f in sample.motion_frames])
    assert gaps.min() > 0 and gaps.max() - gaps.min() <= 0.15  # one frame at 15 fps
