"""Video conformance: frames come out of every common container/codec, and damaged files give
the frames that survive or a plain-words error (media made with PyAV at test time)."""

from __future__ import annotations

import re
from pathlib import Path

import av
import numpy as np
import pytest

from emer_common.media import MediaError
from emer_visual.frames import sample_frames, upright
from tests.conformance_media import damaged, make_media, unaligned_avi

pytestmark = pytest.mark.unit

SILENT = np.zeros(22_050, np.float32)  # one second
FAST_MATRIX = [
    ("mp4", "h264"),
    ("mov", "mjpeg"),
    ("mkv", "vp9"),
    ("webm", "vp8"),
    ("avi", "mpeg4"),
    ("ts", "mpeg2"),
    ("flv", "h264"),
]
TECHNICAL = re.compile(r"errno|Error\b|Exception|avcodec_|Traceback", re.IGNORECASE)


def _make(path: Path, video: str) -> Path:
    try:
        return make_media(path, SILENT, video, None)
    except (av.error.FFmpegError, ValueError) as error:
        pytest.skip(f"cannot write {video} into {path.suffix}: {error}")


@pytest.mark.parametrize(("container", "video"), FAST_MATRIX)
def test_common_containers_give_frames(tmp_path: Path, container: str, video: str) -> None:
    sample = sample_frames(_make(tmp_path / f"clip.{container}", video), 0.0, None, 4, 64)
    assert len(sample.frames) == 4 and sample.decoded_share == 1.0
    assert sample.frames[0].rgb.shape == (64, 64, 3)


def test_avi_with_unaligned_audio_still_gives_frames(tmp_path: Path) -> None:
    speechless = np.zeros(22_050, np.float32)
    path = unaligned_avi(tmp_path / "old.avi", speechless, "mp3", "mp3", 1000)
    assert len(sample_frames(path, 0.0, None, 4, 64).frames) == 4


@pytest.mark.parametrize("kind", ["truncated", "zeroed", "flipped"])
@pytest.mark.parametrize(("container", "video"), [("mp4", "h264"), ("mkv", "vp9"), ("ts", "mpeg2")])
def test_damaged_video_gives_what_survives_or_a_plain_error(
    tmp_path: Path, container: str, video: str, kind: str
) -> None:
    source = make_media(
        tmp_path / f"good.{container}", np.zeros(2 * 22_050, np.float32), video, None
    )
    path = damaged(source, tmp_path / f"{kind}.{container}", kind)
    try:
        sample = sample_frames(path, 0.0, None, 4, 64)
    except MediaError as error:
        assert not TECHNICAL.search(error.message), error.message
        assert kind in error.message  # the file is named
        return
    assert 0.0 <= sample.decoded_share <= 1.0


@pytest.mark.parametrize(("degrees", "turns"), [(0, 0), (90, 1), (-90, 3), (180, 2)])
def test_rotation_metadata_turns_frames_upright(degrees: int, turns: int) -> None:
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    assert np.array_equal(upright(rgb, degrees), np.rot90(rgb, turns))


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp"])
def test_a_still_image_is_read_as_one_frame(
    tmp_path: Path, astronaut: np.ndarray, analyzer, suffix: str
) -> None:
    from PIL import Image

    path = tmp_path / f"portrait{suffix}"
    Image.fromarray(astronaut).save(path)
    sample = sample_frames(path, 0.0, None, 8, 640)
    assert len(sample.frames) == 1 and sample.frames[0].rgb.shape == astronaut.shape
    findings = analyzer.analyze(path, 0.0, None)
    assert findings.status.value == "ok", findings.description


def test_variable_frame_rate_frames_keep_their_own_times(tmp_path: Path) -> None:
    from fractions import Fraction

    path = tmp_path / "vfr.mkv"
    pts = [0, 1, 2, 9, 10, 25, 26, 39]  # tenths of a second, irregular gaps
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 10)
        for value in pts:
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 100, np.uint8))
            frame.pts, frame.time_base = value, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    sample = sample_frames(path, 0.0, 4.0, 4, 64)
    assert [round(f.time_s, 1) for f in sample.frames] == [0.2, 1.0, 2.5, 3.9]
