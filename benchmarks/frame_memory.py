"""Peak memory and time of sampling frames from very large videos: the decoder as FFmpeg sets
it up by default (one frame thread per core, full-size decoding) against emer's
``configure_decoder`` (frame threads within a memory budget, ``lowres`` for intra-only codecs),
side by side in one run.

Clips are generated here with PyAV (a moving gradient, 10 frames at 10 fps); each measurement
runs in a fresh process, whose peak RSS (``VmHWM``) is reported above its peak after the
imports. ``--cpus`` is the core count the decoder is set up for (FFmpeg's default is one frame
thread per core, at most 16), so a 2-core laptop can show what a 16-core node would do.

    .venv/bin/python benchmarks/frame_memory.py [--cpus 16] [--sizes 4k,8k]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.conformance_media
from tests.conformance_media import large_video

SIZES = {"1080p": (1920, 1080), "4k": (3840, 2160), "8k": (7680, 4320)}
CODECS = {"h264": "mp4", "mjpeg": "mov"}
FRAMES = 10
MAX_SIDE_PX = 640  # the visual service's default

CHILD = """
import json, os, sys, time
from pathlib import Path
def high_water_mb():  # VmHWM: this process's peak RSS (ru_maxrss would keep the parent's)
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
cpus, policy, path = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
os.cpu_count = lambda: cpus
import emer_visual.frames as frames
if policy == "ffmpeg-default":
    def default(stream, max_side_px):
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = min(cpus, 16)
    frames.configure_decoder = default
base = high_water_mb()
started = time.perf_counter()
sample = frames.sample_frames(path, 0.0, None, 8, 640)
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "peak_mb": high_water_mb() - base,
    "frames": len(sample.frames),
    "shape": list(sample.frames[0].rgb.shape),
}))
"""


def measure(path: Path, cpus: int, policy: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", CHILD, str(cpus), policy, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ},
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sizes", default="4k,8k")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="emer-frame-memory-"))
    print(
        f"{FRAMES} frames per clip, 8 kept at {MAX_SIDE_PX} px; decoder set up for "
        f"{args.cpus} cores"
    )
    print(f"{'clip':<14} {'FFmpeg default':>22} {'emer':>22} {'memory':>8} {'time':>7}")
    for size in args.sizes.split(","):
        width, height = SIZES[size]
        for name, suffix in CODECS.items():
            clip = large_video(folder / f"{size}.{suffix}", name, width, height, FRAMES)
            before = measure(clip, args.cpus, "ffmpeg-default")
            after = measure(clip, args.cpus, "emer")
            print(
                f"{size + ' ' + name:<14} "
                f"{before['peak_mb']:>9.0f} MB {before['seconds']:>6.2f} s "
                f"{after['peak_mb']:>9.0f} MB {after['seconds']:>6.2f} s "
                f"{before['peak_mb'] / max(after['peak_mb'], 1):>7.1f}x "
                f"{before['seconds'] / max(after['seconds'], 1e-3):>6.1f}x"
            )
            assert after["frames"] == 8 and max(after["shape"][:2]) <= MAX_SIDE_PX


if __name__ == "__main__":
    main()
