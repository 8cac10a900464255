"""Time to the first result for one 5-second clip: cold (`emer analyze` starts nats-server and
every service) against warm (`emer up` already running), measured in the same run.

The first result is the moment its line appears in `results.jsonl` (results are appended as
they arrive), counted from the command's start. "Cold" means fresh processes with the
operating system's file cache and the converted fusion model already on disk (the usual case
after the first run on a machine); the very first run also converts the GGUF (about 30 s).

    .venv/bin/python benchmarks/startup.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIP = REPO / "samples" / "happy_news.mp4"
EMER = [sys.executable, "-m", "emer_cli.main"]


def first_result_s(out: Path) -> tuple[float, float]:
    """Seconds to the first results.jsonl line, and to the command's exit."""
    started = time.monotonic()
    command = [*EMER, "analyze", str(CLIP), "--out", str(out), "--quiet", "--overwrite"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results, first = out / "results.jsonl", None
    while process.poll() is None:
        if first is None and results.exists() and results.read_text().strip():
            first = time.monotonic() - started
        time.sleep(0.02)
    total = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"emer analyze failed with code {process.returncode}")
    return (first if first is not None else total), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="emer-startup-"))
    subprocess.run([*EMER, "down"], check=True, stdout=subprocess.DEVNULL)
    cold = [first_result_s(root / f"cold{i}") for i in range(args.repeats)]
    started = time.monotonic()
    subprocess.run([*EMER, "up", "--root", str(CLIP.parent)], check=True)
    up_s = time.monotonic() - started
    try:
        warm = [first_result_s(root / f"warm{i}") for i in range(args.repeats)]
    finally:
        subprocess.run([*EMER, "down"], check=True, stdout=subprocess.DEVNULL)
    rows = [
        ("cold: emer analyze, 1 clip", cold, "<= 20 s"),
        ("warm: emer analyze after emer up", warm, "<= 3 s"),
    ]
    print(f"one {CLIP.name} clip, {args.repeats} runs each, median (min-max)")
    print(f"emer up (start every service, load every model): {up_s:.1f} s")
    print(f"{'run':<36} {'first result':>22} {'command exits':>22}  goal")
    for name, runs, goal in rows:
        firsts, totals = [r[0] for r in runs], [r[1] for r in runs]
        print(f"{name:<36} {_spread(firsts):>22} {_spread(totals):>22}  {goal}")
    ratio = statistics.median(w[0] for w in warm) / statistics.median(c[0] for c in cold)
    print(f"warm / cold (first result): {ratio:.2f}")


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s ({min(values):.1f}-{max(values):.1f})"


if __name__ == "__main__":
    main()
