"""Pipeline benchmark: steady-state throughput of `emer analyze` and what each stage costs.

A batch of copies of the sample clips (``--clips``, each with its subtitle sidecar) goes
through `emer analyze` with the embedded nats-server and every service as a child process
(the `make demo` configuration). Reported in one run, for each ``--variant``:

- **steady-state seconds per clip**: results are stamped (``created_at``) as fusion finishes
  them; the first ``--warmup`` results are the warm-up (models loading, the pipeline filling)
  and are excluded: steady s/clip = (last stamp - stamp of result ``warmup``) / (clips counted
  after it). The spacing of a handful of results would measure parallel start-up, not
  throughput.
- **CPU-seconds per clip of each stage**: every process of the tree (CLI, nats-server, each
  service) is sampled every 0.2 s with psutil (user + system time, all threads). A clue
  service's cost is its CPU time between its own reports ``warmup`` and last (their
  ``created_at``) divided by the reports in between: upstream stages run ahead of fusion, so
  fusion's window would miss their work. Fusion, scoring, the CLI and nats-server are
  measured over the results' window. Model loading is excluded either way.
- **the machine's limit**: sum of the stages' CPU-s per clip / usable cores, the best
  steady s/clip that CPU cost allows; ``efficiency`` = limit / measured (1.0: the cores were
  busy with emer's work all the time; less: idle gaps or other load on the machine).
- peak resident memory of the whole tree and the mean wall time of each stage per clip
  (``elapsed_s`` of the clue reports, ``fusion_elapsed_s``; stages overlap).

``--long-minutes N`` adds the memory check: one 10-second clip and an N-minute video.

    .venv/bin/python benchmarks/bench_pipeline.py [--clips 24] [--warmup 4]
    .venv/bin/python benchmarks/bench_pipeline.py --variant base: \\
        --variant one-thread:EMER_AUDIO_CPU_THREADS=1,EMER_FUSION_TORCH_THREADS=1
    .venv/bin/python benchmarks/bench_pipeline.py --long-minutes 10
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import psutil

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SAMPLE = SAMPLES / "happy_news.mp4"
SAMPLE_INTERVAL_S = 0.2
STAGES = ("visual", "audio", "text", "fusion", "scoring")
OTHER_ROLES = ("nats", "cli", "other")


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


def sample_batch(folder: Path, clips: int) -> Path:
    """``clips`` copies of the sample clips (round robin), each with its ``.srt`` sidecar."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    sources = sorted(SAMPLES.glob("*.mp4"))
    for i in range(clips):
        source = sources[i % len(sources)]
        name = f"{i:03d}_{source.stem}"
        shutil.copyfile(source, folder / f"{name}.mp4")
        sidecar = source.with_suffix(".srt")
        if sidecar.exists():
            shutil.copyfile(sidecar, folder / f"{name}.srt")
    return folder


def role_of(proc: psutil.Process, root_pid: int) -> str | None:
    """The stage a process belongs to: its ``emer serve NAME``, nats-server or the CLI."""
    if proc.pid == root_pid:
        return "cli"
    try:
        command = proc.cmdline()
    except psutil.Error:
        return None
    if "serve" in command and command[-1] in STAGES:
        return command[-1]
    if command and Path(command[0]).name.startswith("nats-server"):
        return "nats"
    return None


@dataclass
class TreeSampler:
    """Peak RSS of a process tree and each role's cumulative CPU time, every 0.2 s."""

    root: psutil.Process
    peak_rss: int = 0
    times: list[float] = field(default_factory=list)
    cpu: list[dict[str, float]] = field(default_factory=list)
    _procs: dict[int, tuple[psutil.Process, str]] = field(default_factory=dict)
    _gone: dict[str, float] = field(default_factory=dict)
    _inherited: set[int] = field(default_factory=set)

    def sample(self) -> None:
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = 0
        for proc in tree:
            if proc.pid in self._procs and proc.pid not in self._inherited:
                continue
            # between fork and exec a service still shows the CLI's command line: a role
            # taken from the parent is looked at again until the process says what it is
            role = role_of(proc, self.root.pid)
            if role is None:  # a child of a service counts for that service
                try:
                    parent = proc.ppid()
                except psutil.Error:
                    continue
                role = self._procs.get(parent, (None, "other"))[1]
                self._inherited.add(proc.pid)
            else:
                self._inherited.discard(proc.pid)
            self._procs[proc.pid] = (self._procs.get(proc.pid, (proc, ""))[0], role)
        totals = dict(self._gone)
        for pid, (proc, role) in list(self._procs.items()):
            try:
                with proc.oneshot():
                    t = proc.cpu_times()
                    rss += proc.memory_info().rss
            except psutil.Error:
                # an exited process keeps the CPU time it had at the last sample
                last = self.cpu[-1].get(f"pid{pid}", 0.0) if self.cpu else 0.0
                self._gone[role] = self._gone.get(role, 0.0) + last
                del self._procs[pid]
                continue
            used = t.user + t.system
            totals[role] = totals.get(role, 0.0) + used
            totals[f"pid{pid}"] = used
        self.peak_rss = max(self.peak_rss, rss)
        self.times.append(time.time())
        self.cpu.append(totals)

    def cpu_at(self, when: float) -> dict[str, float]:
        """Each role's cumulative CPU seconds at the last sample taken at or before ``when``."""
        i = max(bisect.bisect_right(self.times, when) - 1, 0)
        return {k: v for k, v in self.cpu[i].items() if not k.startswith("pid")}


def run(
    label: str, inputs: list[Path], out: Path, extra: list[str], env: dict[str, str], warmup: int
) -> dict[str, object]:
    if out.exists():
        shutil.rmtree(out)  # a leftover results.jsonl would make the run resume
    command = [
        str(Path(sys.executable).parent / "emer"),
        "analyze",
        *map(str, inputs),
        "--out",
        str(out),
        *extra,
    ]
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    sampler = TreeSampler(psutil.Process(process.pid))

    def sample() -> None:
        while process.poll() is None:
            sampler.sample()
            time.sleep(SAMPLE_INTERVAL_S)

    thread = threading.Thread(target=sample)
    thread.start()
    code = process.wait()
    thread.join()
    wall = time.perf_counter() - start
    results: list[dict[str, Any]] = [
        json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()
    ]
    stamps = sorted(datetime.fromisoformat(r["created_at"]).timestamp() for r in results)
    row: dict[str, object] = {
        "run": label,
        "exit_code": code,
        "clips": len(results),
        "wall_s": round(wall, 1),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    window = steady_window(stamps, warmup)
    if window is not None:
        counted = window[2]
        steady = (window[1] - window[0]) / counted
        cpu = {}
        for role in (*STAGES, *OTHER_ROLES):
            # each clue service is measured over its own steady window (its reports' stamps):
            # upstream stages run ahead of fusion, and may be done before fusion's window
            own = steady_window(stage_stamps(results, role), warmup) or window
            used = sampler.cpu_at(own[1]).get(role, 0.0) - sampler.cpu_at(own[0]).get(role, 0.0)
            if role in sampler.cpu_at(own[1]):
                cpu[role] = round(used / own[2], 3)
        cores = len(os.sched_getaffinity(0))
        limit = sum(cpu.values()) / cores
        row |= {
            "steady_clips": counted,
            "steady_s_per_clip": round(steady, 3),
            "clips_per_min": round(60 / steady, 1),
            "cpu_s_per_clip": cpu,
            "cpu_s_per_clip_total": round(sum(cpu.values()), 3),
            "cores": cores,
            "limit_s_per_clip": round(limit, 3),
            "efficiency": round(limit / steady, 2),
        }
    row |= {
        "stage_wall_s_per_clip": stage_walls(results),
        "peak_rss_mb": round(sampler.peak_rss / 2**20),
    }
    return row


def steady_window(stamps: list[float], warmup: int) -> tuple[float, float, int] | None:
    """(start, end, clips finished in between) after the first ``warmup`` stamps."""
    first = min(warmup, len(stamps) - 1)
    counted = len(stamps) - 1 - first
    return (stamps[first], stamps[-1], counted) if counted >= 1 else None


def stage_stamps(results: list[dict[str, Any]], role: str) -> list[float]:
    """When each clue report of ``role`` was made (empty for the other roles)."""
    return sorted(
        datetime.fromisoformat(r["clues"][role]["created_at"]).timestamp()
        for r in results
        if role in r["clues"] and r["clues"][role].get("created_at")
    )


def stage_walls(results: list[dict[str, object]]) -> dict[str, float]:
    stages: dict[str, float] = {}
    for modality in ("visual", "audio", "text"):
        values = [
            r["clues"][modality]["elapsed_s"]  # type: ignore[index]
            for r in results
            if modality in r["clues"]  # type: ignore[operator]
            and r["clues"][modality].get("elapsed_s") is not None  # type: ignore[index]
        ]
        if values:
            stages[modality] = round(statistics.mean(values), 3)
    fusion = [r["fusion_elapsed_s"] for r in results if r.get("fusion_elapsed_s") is not None]
    if fusion:
        stages["fusion"] = round(statistics.mean(fusion), 3)  # type: ignore[arg-type]
    return stages


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``NAME:KEY=VALUE,KEY=VALUE`` (``NAME:`` for the defaults)."""
    name, _, assignments = text.partition(":")
    env = dict(a.split("=", 1) for a in assignments.split(",") if a)
    return name, env


def print_table(rows: list[dict[str, object]]) -> None:
    roles = [
        r for r in (*STAGES, *OTHER_ROLES) if any(r in x.get("cpu_s_per_clip", {}) for x in rows)
    ]  # type: ignore[operator]
    head = f"{'run':<28}{'clips':>6}{'steady s/clip':>14}{'clips/min':>10}"
    head += "".join(f"{role:>8}" for role in roles)
    head += f"{'CPU-s sum':>10}{'limit s':>9}{'effic.':>7}"
    print("CPU-seconds per clip, steady state:")
    print(head)
    for row in rows:
        if "cpu_s_per_clip" not in row:
            continue
        cpu: dict[str, float] = row["cpu_s_per_clip"]  # type: ignore[assignment]
        line = f"{row['run']!s:<28}{row['steady_clips']:>6}{row['steady_s_per_clip']:>14.3f}"
        line += f"{row['clips_per_min']:>10.1f}"
        line += "".join(f"{cpu.get(role, 0.0):>8.3f}" for role in roles)
        line += f"{row['cpu_s_per_clip_total']:>10.3f}{row['limit_s_per_clip']:>9.3f}"
        line += f"{row['efficiency']:>7.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=24, help="sample clips in the batch")
    parser.add_argument("--warmup", type=int, default=4, help="first results not counted")
    parser.add_argument(
        "--variant",
        action="append",
        type=parse_variant,
        help="NAME:ENV=VALUE,... runs the batch once per variant, in order (default: one run)",
    )
    parser.add_argument(
        "--long-minutes", type=float, default=0.0, help="also a 10 s clip and a long video"
    )
    parser.add_argument("--out", type=Path, default=REPO / "out" / "bench")
    args = parser.parse_args()
    if args.clips < args.warmup + 2:
        parser.error("--clips must be at least --warmup + 2")
    args.out.mkdir(parents=True, exist_ok=True)
    batch = sample_batch(args.out / "batch", args.clips)
    rows = []
    for name, env in args.variant or [("default", {})]:
        label = f"{args.clips} sample clips ({name})"
        rows.append(run(label, [batch], args.out / f"batch-{name}", [], env, args.warmup))
        print(json.dumps(rows[-1]), flush=True)
    if args.long_minutes:
        short = looped_video(args.out / "clip_10s.mp4", 10.0)
        minutes = args.long_minutes
        long = looped_video(args.out / f"long_{minutes:g}min.mp4", minutes * 60)
        rows.append(run("10-second clip", [short], args.out / "short", [], {}, 0))
        print(json.dumps(rows[-1]), flush=True)
        timeout = ["--timeout-s", "3600"]
        rows.append(run(f"{minutes:g}-minute video", [long], args.out / "long", timeout, {}, 2))
        print(json.dumps(rows[-1]), flush=True)
        ratio = rows[-1]["peak_rss_mb"] / rows[-2]["peak_rss_mb"]  # type: ignore[operator]
        print(f"peak memory ratio, long video / 10-second clip: {ratio:.2f}")
    print_table(rows)


if __name__ == "__main__":
    main()
