"""Video conformance: frames come out of every common container/codec, and damaged files give
the frames that survive or a plain-words error (media made with PyAV at test time)."""

from __future__ import annotations

import re
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from emer_common.media import MediaError
from emer_visual.frames import decoder_threads, lowres_level, sample_frames, upright
from tests.conformance_media import damaged, large_video, make_media, unaligned_avi

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


def rotated_portrait(path: Path, upright_rgb: np.ndarray, degrees: int) -> Path:
    """A phone-style file: the sensor's pixels stored turned, with a display matrix saying
    how far to turn them back (counter-clockwise ``degrees``), written through PyAV."""
    from fractions import Fraction

    stored = np.ascontiguousarray(np.rot90(upright_rgb, -round(degrees / 90)))
    height, width = stored.shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.set_display_rotation(degrees)
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


@pytest.mark.parametrize("degrees", [90, -90, 180])
def test_a_file_with_a_display_matrix_gives_upright_frames(
    tmp_path: Path, astronaut: np.ndarray, analyzer, degrees: int
) -> None:
    """Real files, not the helper alone: before the frames are analysed they are turned as
    the stream's display matrix says (what a player shows), so faces are upright."""
    portrait = astronaut[:480, 80:400]  # 480 high, 320 wide: a portrait around the face
    path = rotated_portrait(tmp_path / f"phone{degrees}.mp4", portrait, degrees)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == ((480, 320) if degrees % 180 else (320, 480))
        assert next(container.decode(stream)).rotation % 360 == degrees % 360

    (frame,) = sample_frames(path, 0.0, None, 1, 240).frames
    assert frame.rgb.shape == (240, 160, 3)  # portrait, as shown by a player
    small = np.asarray(Image.fromarray(portrait).resize((160, 240)), np.float32)
    error = np.abs(frame.rgb.astype(np.float32) - small).mean()
    wrong = np.abs(np.rot90(frame.rgb, 2).astype(np.float32) - small).mean()
    assert error < 12 < wrong, (error, wrong)

    findings = analyzer.analyze(path, 0.0, None)
    assert findings.status.value == "ok", findings.description
    assert "smil" in findings.description.lower() or "happ" in findings.description.lower()


PEAK_CHILD = """
import json, os, sys
os.cpu_count = lambda: 16  # set the decoder up as on a 16-core node
from pathlib import Path
from emer_visual.frames import sample_frames
def high_water_mb():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
base = high_water_mb()
sample = sample_frames(Path(sys.argv[1]), 0.0, None, 4, 640)
print(json.dumps({"peak_mb": high_water_mb() - base, "source": sample.source_size,
                  "shapes": [f.rgb.shape for f in sample.frames]}))
"""


@pytest.mark.parametrize(("codec", "suffix"), [("h264", "mp4"), ("mjpeg", "mov")])
def test_an_8k_video_is_sampled_at_bounded_size_and_memory(
    tmp_path: Path, codec: str, suffix: str
) -> None:
    """Measured on main with a decoder set up for 16 cores: 851 MB above the imports for
    8K H.264 (one frame thread per core, two 50 MB pictures each), 116 MB for 8K MJPEG;
    now frame threads stay within a 256 MB budget and MJPEG decodes at 1/8 size."""
    import json
    import subprocess
    import sys

    # frame threads fill only when several pictures are in flight: six for H.264
    path = large_video(
        tmp_path / f"8k.{suffix}", codec, 7680, 4320, frames=6 if codec == "h264" else 3
    )
    output = subprocess.run(
        [sys.executable, "-c", PEAK_CHILD, str(path)], check=True, capture_output=True, text=True
    ).stdout
    measured = json.loads(output.strip().splitlines()[-1])
    assert measured["source"] == [7680, 4320]
    assert measured["shapes"] and all(shape == [360, 640, 3] for shape in measured["shapes"])
    assert measured["peak_mb"] < {"h264": 400, "mjpeg": 60}[codec], measured["peak_mb"]


def test_decoder_setup_for_large_pictures() -> None:
    assert decoder_threads(1920, 1080, 16) == 16  # HD: one frame thread per core
    assert decoder_threads(3840, 2160, 16) == 10
    assert decoder_threads(7680, 4320, 16) == 2
    assert decoder_threads(7680 * 4, 4320 * 4, 16) == 1
    assert lowres_level("mjpeg", 7680, 4320, 640) == 3  # 960 px wide, still above 640
    assert lowres_level("mjpeg", 1920, 1080, 640) == 1
    assert lowres_level("mjpeg", 1280, 720, 640) == 1
    assert lowres_level("mjpeg", 1000, 720, 640) == 0
    assert lowres_level("h264", 7680, 4320, 640) == 0  # not an exact lowres decoder
