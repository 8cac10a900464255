"""Memory stays flat with video length: decoding streams, only the kept frames are held."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import av
import numpy as np
import psutil
import pytest

from emer_common.contracts import ClueStatus
from emer_visual.analyzer import VisualAnalyzer

pytestmark = pytest.mark.slow

FPS = 25
SIDE_PX = 480
LONG_S = 30


def _write_noise_clip(path: Path, seconds: int, face: np.ndarray) -> Path:
    """A clip of a face over a moving noise background (hard to compress: many bytes)."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = SIDE_PX, SIDE_PX, "yuv420p"
        for _ in range(seconds * FPS):
            frame = rng.integers(0, 255, (SIDE_PX, SIDE_PX, 3), dtype=np.uint8)
            frame[64 : 64 + face.shape[0], 64 : 64 + face.shape[1]] = face
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode(None))
    return path


def _peak_rss_during(run) -> tuple[int, object]:  # type: ignore[no-untyped-def]
    process = psutil.Process()
    peak = process.memory_info().rss
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    before = process.memory_info().rss
    watcher.start()
    try:
        result = run()
    finally:
        done.set()
        watcher.join()
    return peak - before, result


def test_long_clip_uses_no_more_memory_than_a_short_one(
    analyzer: VisualAnalyzer, astronaut: np.ndarray, tmp_path: Path
) -> None:
    face = astronaut[:300, 120:360]
    short = _write_noise_clip(tmp_path / "short.mp4", 4, face)
    long = _write_noise_clip(tmp_path / "long.mp4", LONG_S, face)
    analyzer.analyze(short, 0.0, None)  # warm caches and allocators
    short_growth, _ = _peak_rss_during(lambda: analyzer.analyze(short, 0.0, None))
    long_growth, findings = _peak_rss_during(lambda: analyzer.analyze(long, 0.0, None))
    assert findings.status is ClueStatus.OK  # type: ignore[attr-defined]
    decoded_bytes = LONG_S * FPS * SIDE_PX * SIDE_PX * 3 // 2  # all frames as yuv420p: 260 MB
    assert long_growth < short_growth + 32 * 2**20, (short_growth, long_growth)
    assert long_growth < decoded_bytes / 10
