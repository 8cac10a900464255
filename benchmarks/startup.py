"""Time to the first result for one 5-second clip: cold (`emer analyze` starts nats-server and
every service) against warm (`emer up` already running), measured in the same run.

The first result is the moment its line appears in `results.jsonl` (results are appended as
they arrive), counted from the command's start. "Cold" means fresh processes with the
operating system's file cache and the converted fusion model already on disk (the usual case
after the first run on a machine); the very first run also converts the GGUF (about 30 s).

    .venv/bin/python benchmarks/startup.py [--repeats 3] [--baseline /path/to/other/checkout]

``--baseline`` also times cold runs of another checkout of emer (its ``shared/`` and
``services/*`` put first on ``PYTHONPATH``, same interpreter and packages), alternating with
this tree's runs so that both see the same load, and prints the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIP = REPO / "samples" / "happy_news.mp4"
EMER = [sys.executable, "-m", "emer_cli.main"]


def tree_env(tree: Path | None) -> dict[str, str] | None:
    """The environment that makes ``python -m emer_cli.main`` run ``tree``'s code."""
    if tree is None:
        return None
    paths = [tree / "shared", *sorted((tree / "services").iterdir())]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)}


def first_result_s(out: Path, tree: Path | None = None) -> tuple[float, float]:
    """Seconds to the first results.jsonl line, and to the command's exit."""
    started = time.monotonic()
    command = [*EMER, "analyze", str(CLIP), "--out", str(out), "--quiet", "--overwrite"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=tree_env(tree)
    )
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
    parser.add_argument("--baseline", type=Path, help="another checkout to time cold runs of")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="emer-startup-"))
    subprocess.run([*EMER, "down"], check=True, stdout=subprocess.DEVNULL)
    cold, baseline = [], []
    for i in range(args.repeats):  # alternating, so both see the same load
        if args.baseline is not None:
            baseline.append(first_result_s(root / f"base{i}", args.baseline.resolve()))
        cold.append(first_result_s(root / f"cold{i}"))
    started = time.monotonic()
    subprocess.run([*EMER, "up", "--root", str(CLIP.parent)], check=True)
    up_s = time.monotonic() - started
    try:
        warm = [first_result_s(root / f"warm{i}") for i in range(args.repeats)]
    finally:
        subprocess.run([*EMER, "down"], check=True, stdout=subprocess.DEVNULL)
    rows = [
        *([(f"cold, baseline {args.baseline}", baseline, "")] if baseline else []),
        ("cold: emer analyze, 1 clip", cold, "<= 20 s"),
        ("warm: emer analyze after emer up", warm, "<= 3 s"),
    ]
    print(f"one {CLIP.name} clip, {args.repeats} runs each, median (min-max)")
    print(f"emer up (start every service, load every model): {up_s:.1f} s")
    print(f"{'run':<44} {'first result':>22} {'command exits':>22}  goal")
    for name, runs, goal in rows:
        firsts, totals = [r[0] for r in runs], [r[1] for r in runs]
        print(f"{name:<44} {_spread(firsts):>22} {_spread(totals):>22}  {goal}")
    ratio = statistics.median(w[0] for w in warm) / statistics.median(c[0] for c in cold)
    print(f"warm / cold (first result): {ratio:.2f}")
    if baseline:
        after = statistics.median(c[0] for c in cold)
        before = statistics.median(b[0] for b in baseline)
        print(f"cold / cold baseline (first result): {after / before:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s ({min(values):.1f}-{max(values):.1f})"


if __name__ == "__main__":
    main()
