"""Pipeline benchmark: `emer analyze` on the samples, a 10-second clip and a long video.

Reports, per run: wall time, steady-state seconds of throughput per clip (from the spacing
of result timestamps, so model loading is excluded), clips per minute, per-stage seconds per
clip (from each clue report's ``elapsed_s``), and the peak resident memory of the whole
process tree (CLI + nats-server + services), sampled every 0.2 s with psutil.

    .venv/bin/python benchmarks/bench_pipeline.py [--long-minutes 10] [--out out/bench]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import av
import psutil

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "happy_news.mp4"
SAMPLE_INTERVAL_S = 0.2


def looped_video(target: Path, seconds: float, source: Path = SAMPLE) -> Path:
    """Re-encode ``source`` end to end until ``seconds`` of video and audio exist."""
    if target.exists():
        return target
    with av.open(str(target), "w") as dst:
        video = dst.add_stream("libx264", rate=15)
        video.width = video.height = 320
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "veryfast", "crf": "32"}
        audio = dst.add_stream("aac", rate=16_000)
        audio.layout = "mono"
        frames = audio_pts = 0
        while frames / 15 < seconds:
            with av.open(str(source)) as src:
                for frame in src.decode(src.streams.video[0]):
                    if frames / 15 >= seconds:
                        break
                    image = frame.reformat(format="yuv420p")
                    image.pts = frames  # continuous across loops of the source
                    image.time_base = Fraction(1, 15)
                    dst.mux(video.encode(image))
                    frames += 1
            with av.open(str(source)) as src:
                resampler = av.AudioResampler(format="fltp", layout="mono", rate=16_000)
                for frame in src.decode(src.streams.audio[0]):
                    for out in resampler.resample(frame):
                        if audio_pts / 16_000 >= frames / 15:
                            break
                        out.pts = audio_pts
                        audio_pts += out.samples
                        dst.mux(audio.encode(out))
        dst.mux(video.encode())
        dst.mux(audio.encode())
    return target


def tree_rss(root: psutil.Process) -> int:
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(label: str, inputs: list[Path], out: Path, extra: list[str]) -> dict[str, object]:
    command = [
        str(Path(sys.executable).parent / "emer"),
        "analyze",
        *map(str, inputs),
        "--out",
        str(out),
        *extra,
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = psutil.Process(process.pid)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss(root))
            time.sleep(SAMPLE_INTERVAL_S)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code = process.wait()
    sampler.join()
    wall = time.perf_counter() - start
    results = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    stamps = sorted(datetime.fromisoformat(r["created_at"]).timestamp() for r in results)
    steady = (stamps[-1] - stamps[0]) / (len(stamps) - 1) if len(stamps) > 1 else None
    stages: dict[str, float] = {}
    for modality in ("visual", "audio", "text"):
        values = [
            r["clues"][modality]["elapsed_s"]
            for r in results
            if modality in r["clues"] and r["clues"][modality].get("elapsed_s") is not None
        ]
        if values:
            stages[modality] = round(statistics.mean(values), 3)
    fusion = [r["fusion_elapsed_s"] for r in results if r.get("fusion_elapsed_s") is not None]
    if fusion:
        stages["fusion"] = round(statistics.mean(fusion), 3)
    clip_seconds = [
        (r["end_s"] or 0) - (r["start_s"] or 0) for r in results if r.get("end_s") is not None
    ]
    return {
        "run": label,
        "exit_code": code,
        "clips": len(results),
        "mean_clip_s": round(statistics.mean(clip_seconds), 2) if clip_seconds else None,
        "wall_s": round(wall, 1),
        "steady_s_per_clip": None if steady is None else round(steady, 2),
        "clips_per_min": None if not steady else round(60 / steady, 1),
        "stage_s_per_clip": stages,
        "peak_rss_mb": round(peak / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=REPO / "out" / "bench")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    short = looped_video(args.out / "clip_10s.mp4", 10.0)
    long = looped_video(args.out / f"long_{int(args.long_minutes)}min.mp4", args.long_minutes * 60)
    rows = [
        run("samples (3 clips)", [REPO / "samples"], args.out / "samples", []),
        run("10-second clip", [short], args.out / "short", []),
        run(
            f"{args.long_minutes:g}-minute video",
            [long],
            args.out / "long",
            ["--timeout-s", "3600"],
        ),
    ]
    for row in rows:
        print(json.dumps(row))
    ratio = rows[2]["peak_rss_mb"] / rows[1]["peak_rss_mb"]  # type: ignore[operator]
    print(f"peak memory ratio, long video / 10-second clip: {ratio:.2f}")


if __name__ == "__main__":
    main()
