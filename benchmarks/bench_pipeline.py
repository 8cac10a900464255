"""Pipeline benchmark: steady-state throughput of `emer analyze` and what each stage costs.

For each ``--variant`` (an environment), in one run: `emer up` starts a warm local stack (the
embedded nats-server and every service, as `make demo` runs them) in a private state folder,
a warm-up batch (``--warmup`` clips) goes through it, then the measured batch: ``--clips``
copies of the sample clips (with their subtitle sidecars), submitted at once with
`emer analyze`; then `emer down`.

- **steady-state seconds per clip** = (last result's ``created_at`` - submission) / clips.
  Model loading and first-call warm-up are excluded (the stack is warm and idle at
  submission); the pipeline's fill (the first clip's latency) is included, so the figure is
  slightly pessimistic; the first result's latency is printed too.
- **CPU-seconds per clip of each stage**: every process of the stack and the CLI is sampled
  every 0.2 s with psutil (user + system time, all threads); a stage's cost is its CPU time
  from submission to the end of the batch divided by the clips. The services are idle before
  and after, so all of the batch's work, and only it, is counted.
- **the machine's limit** = sum of the stages' CPU-s per clip / usable cores: the best
  steady s/clip that CPU cost allows; ``efficiency`` = limit / measured (1.0: the cores were
  busy with emer's work all the time; less: idle gaps, or other load on the machine).
- peak resident memory of the stack and the CLI, and the mean wall time of each stage per clip
  (``elapsed_s`` of the clue reports, ``fusion_elapsed_s``; stages overlap).

``--long-minutes N`` adds the memory check of a cold `emer analyze`: one 10-second clip and an
N-minute video.

    .venv/bin/python benchmarks/bench_pipeline.py [--clips 24] [--warmup 3]
    .venv/bin/python benchmarks/bench_pipeline.py --variant base: \\
        --variant one-thread:EMER_AUDIO_CPU_THREADS=1,EMER_FUSION_TORCH_THREADS=1
    .venv/bin/python benchmarks/bench_pipeline.py --long-minutes 10
"""

from __future__ import annotations

import argparse
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


def role_of(proc: psutil.Process, roots: set[int]) -> str | None:
    """The stage a process belongs to: its service (``emer serve NAME``), nats-server or the
    CLI."""
    if proc.pid in roots:
        return "cli"  # `emer analyze`, and the stack's supervising process
    try:
        command = proc.cmdline()
    except psutil.Error:
        return None
    # `emer serve NAME`, or `python -m emer_cli.serve NAME` as the local stack starts them
    if command and command[-1] in STAGES and {"serve", "emer_cli.serve"} & set(command):
        return command[-1]
    if command and Path(command[0]).name.startswith("nats-server"):
        return "nats"
    return None


@dataclass
class TreeSampler:
    """Peak RSS of process trees and each role's cumulative CPU time, every 0.2 s."""

    roots: list[psutil.Process]
    peak_rss: int = 0
    _procs: dict[int, tuple[psutil.Process, str]] = field(default_factory=dict)
    _inherited: set[int] = field(default_factory=set)
    _last: dict[int, float] = field(default_factory=dict)
    _gone: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> dict[str, float]:
        """Each role's CPU seconds so far (exited processes keep their last sample)."""
        tree = []
        for root in self.roots:
            try:
                tree += [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
        root_pids = {r.pid for r in self.roots}
        for proc in tree:
            if proc.pid in self._procs and proc.pid not in self._inherited:
                continue
            # between fork and exec a service still shows its parent's command line: a role
            # taken from the parent is looked at again until the process says what it is
            role = role_of(proc, root_pids)
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
        rss = 0
        for pid, (proc, role) in list(self._procs.items()):
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    rss += proc.memory_info().rss
            except psutil.Error:
                last = self._last.pop(pid, 0.0)
                self._gone[role] = self._gone.get(role, 0.0) + last
                totals[role] = totals.get(role, 0.0) + last
                del self._procs[pid]
                continue
            self._last[pid] = times.user + times.system
            totals[role] = totals.get(role, 0.0) + self._last[pid]
        self.peak_rss = max(self.peak_rss, rss)
        return totals

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(SAMPLE_INTERVAL_S):
                self.sample()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.sample()


def emer(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "emer"), *args]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def finish(process: subprocess.Popen[bytes], what: str) -> None:
    _, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"{what} failed ({process.returncode}): {err.decode()[-2000:]}")


def read_results(out: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]


def stamp(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def run_warm(
    label: str, batch: Path, warmup: Path, out: Path, extra_env: dict[str, str]
) -> dict[str, object]:
    """One variant: `emer up`, a warm-up batch, the measured batch, `emer down`."""
    if out.exists():
        shutil.rmtree(out)  # a leftover results.jsonl would make the run resume
    home = out / "home"  # a private ~/.cache/emer/stack: other users' stacks are not touched
    home.mkdir(parents=True)
    env = {
        **os.environ,
        "EMER_MODEL_CACHE_DIR": str(Path.home() / ".cache" / "emer" / "models"),
        **extra_env,
        "HOME": str(home),
    }
    load_before = os.getloadavg()[0]
    finish(emer("up", "--root", str(batch.parent), env=env), "emer up")
    state = json.loads((home / ".cache" / "emer" / "stack" / "stack.json").read_text())
    try:
        finish(emer("analyze", str(warmup), "--out", str(out / "warmup"), env=env), "warm-up")
        stack = psutil.Process(int(state["pid"]))
        sampler = TreeSampler([stack])
        before = sampler.sample()
        sampler.start()
        submitted = time.time()
        process = emer("analyze", str(batch), "--out", str(out / "batch"), env=env)
        sampler.roots.append(psutil.Process(process.pid))
        finish(process, "emer analyze")
        time.sleep(2 * SAMPLE_INTERVAL_S)  # the services' last CPU time after the results
        after = sampler.stop()
    finally:
        finish(emer("down", env=env), "emer down")
    results = read_results(out / "batch")
    stamps = sorted(stamp(r["created_at"]) for r in results)
    clips = len(results)
    steady = (stamps[-1] - submitted) / clips
    cpu = {
        role: round((after[role] - before.get(role, 0.0)) / clips, 3)
        for role in (*STAGES, *OTHER_ROLES)
        if role in after
    }
    cores = len(os.sched_getaffinity(0))
    limit = sum(cpu.values()) / cores
    return {
        "run": label,
        "clips": clips,
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "first_result_s": round(stamps[0] - submitted, 2),
        "batch_s": round(stamps[-1] - submitted, 1),
        "steady_s_per_clip": round(steady, 3),
        "clips_per_min": round(60 / steady, 1),
        "cpu_s_per_clip": cpu,
        "cpu_s_per_clip_total": round(sum(cpu.values()), 3),
        "cores": cores,
        "limit_s_per_clip": round(limit, 3),
        "efficiency": round(limit / steady, 2),
        "stage_wall_s_per_clip": stage_walls(results),
        "peak_rss_mb": round(sampler.peak_rss / 2**20),
    }


def run_cold(label: str, inputs: list[Path], out: Path, extra: list[str]) -> dict[str, object]:
    """A cold `emer analyze` (embedded services), for its wall time and peak memory."""
    if out.exists():
        shutil.rmtree(out)
    start = time.perf_counter()
    process = emer("analyze", *map(str, inputs), "--out", str(out), *extra, env=dict(os.environ))
    sampler = TreeSampler([psutil.Process(process.pid)])
    sampler.start()
    finish(process, "emer analyze")
    sampler.stop()
    results = read_results(out)
    return {
        "run": label,
        "clips": len(results),
        "wall_s": round(time.perf_counter() - start, 1),
        "stage_wall_s_per_clip": stage_walls(results),
        "peak_rss_mb": round(sampler.peak_rss / 2**20),
    }


def stage_walls(results: list[dict[str, Any]]) -> dict[str, float]:
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
    return stages


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``NAME:KEY=VALUE,KEY=VALUE`` (``NAME:`` for the defaults)."""
    name, _, assignments = text.partition(":")
    env = dict(a.split("=", 1) for a in assignments.split(",") if a)
    return name, env


def print_table(rows: list[dict[str, Any]]) -> None:
    roles = [r for r in (*STAGES, *OTHER_ROLES) if any(r in x["cpu_s_per_clip"] for x in rows)]
    head = f"{'run':<34}{'clips':>6}{'steady s/clip':>14}{'clips/min':>10}"
    head += "".join(f"{role:>8}" for role in roles)
    head += f"{'CPU-s sum':>10}{'limit s':>9}{'effic.':>7}"
    print("CPU-seconds per clip (warm stack, whole batch):")
    print(head)
    for row in rows:
        cpu = row["cpu_s_per_clip"]
        line = f"{row['run']:<34}{row['clips']:>6}{row['steady_s_per_clip']:>14.3f}"
        line += f"{row['clips_per_min']:>10.1f}"
        line += "".join(f"{cpu.get(role, 0.0):>8.3f}" for role in roles)
        line += f"{row['cpu_s_per_clip_total']:>10.3f}{row['limit_s_per_clip']:>9.3f}"
        line += f"{row['efficiency']:>7.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=24, help="sample clips in the batch")
    parser.add_argument("--warmup", type=int, default=3, help="clips of the warm-up batch")
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
    args.out.mkdir(parents=True, exist_ok=True)
    batch = sample_batch(args.out / "media" / "batch", args.clips)
    warmup = sample_batch(args.out / "media" / "warmup", args.warmup)
    rows = []
    for name, env in args.variant or [("default", {})]:
        label = f"{args.clips} sample clips ({name})"
        rows.append(run_warm(label, batch, warmup, args.out / f"run-{name}", env))
        print(json.dumps(rows[-1]), flush=True)
    if args.long_minutes:
        short = looped_video(args.out / "clip_10s.mp4", 10.0)
        minutes = args.long_minutes
        long = looped_video(args.out / f"long_{minutes:g}min.mp4", minutes * 60)
        cold = [run_cold("10-second clip", [short], args.out / "short", [])]
        timeout = ["--timeout-s", "3600"]
        cold.append(run_cold(f"{minutes:g}-minute video", [long], args.out / "long", timeout))
        for row in cold:
            print(json.dumps(row), flush=True)
        ratio = cold[1]["peak_rss_mb"] / cold[0]["peak_rss_mb"]  # type: ignore[operator]
        print(f"peak memory ratio, long video / 10-second clip: {ratio:.2f}")
    print_table(rows)


if __name__ == "__main__":
    main()
