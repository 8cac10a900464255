"""Speed of the emotion-wheel metric: 20,000 predictions, vectorised vs a plain per-clip loop.

Reads ``$EMER_BENCHMARK_DIR/mer2024-ov_store/{check,predict}-openset.csv`` and an emotion-wheel
asset folder (non-commercial data: read in place, never copied), replicates the 332 clips to
20,000 and times both implementations on the same label-list texts, pinned to one CPU core.
Asset loading is excluded; parsing the label-list texts is included in both timings. Each
vectorised run starts from a fresh metric object, so its label cache starts empty.

    EMER_BENCHMARK_DIR=../shared/benchmarks .venv/bin/python benchmarks/scoring_bench.py

Results are recorded in docs/scoring.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from emer_scoring.emotion_wheel import EmotionWheelMetric, EmotionWheelScores
from emer_scoring.emotion_wheel_plain import plain_wheel_scores
from emer_scoring.mer_assets import load_mer_assets
from emer_scoring.tables import check_same_names, read_label_table
from emer_scoring.wheel_assets import WHEEL_LEVELS, WheelAssets, WheelLevel, emer_default_assets

log = logging.getLogger("scoring_bench")
N_PREDICTIONS = 20_000
FAST_REPEATS = 5  # best of; the vectorised run is short enough to repeat
PLAIN_REPEATS = 2
BUDGET_S = 1.0  # the acceptance bound for 20,000 predictions on one core


class BenchmarkEnv(BaseSettings):
    """``EMER_BENCHMARK_DIR``: where the shared, non-commercial benchmark files live."""

    model_config = SettingsConfigDict(env_prefix="EMER_", extra="ignore", frozen=True)

    benchmark_dir: Path | None = None


def replicate(items: list[str], n: int) -> list[str]:
    return [items[i % len(items)] for i in range(n)]


def best_of(
    repeats: int, run: Callable[[], EmotionWheelScores]
) -> tuple[float, EmotionWheelScores]:
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def bench_level(
    assets: WheelAssets, level: WheelLevel, refs: list[str], preds: list[str]
) -> dict[str, Any]:
    fast_s, fast = best_of(
        FAST_REPEATS, lambda: EmotionWheelMetric(assets, level).score_texts(refs, preds)
    )
    plain_s, plain = best_of(PLAIN_REPEATS, lambda: plain_wheel_scores(assets, level, refs, preds))
    if fast != plain:
        raise AssertionError(f"implementations disagree at {level}: {fast} vs {plain}")
    return {
        "level": level,
        "vectorised_s": fast_s,
        "plain_s": plain_s,
        "speedup": plain_s / fast_s,
        "F": fast.f_score,
        "P": fast.precision,
        "R": fast.recall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="default $EMER_BENCHMARK_DIR")
    parser.add_argument(
        "--assets",
        default="mer2025-emotion_wheel",
        help="asset folder under the data dir, or 'emer' for emer's own vocabulary",
    )
    parser.add_argument("-n", type=int, default=N_PREDICTIONS, help="predictions to score")
    parser.add_argument("--cpu", type=int, default=None, help="core to pin to (default: first)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    data_dir = args.data_dir or BenchmarkEnv().benchmark_dir
    if data_dir is None:
        log.error("set EMER_BENCHMARK_DIR or pass --data-dir")
        return 2
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {args.cpu if args.cpu is not None else allowed[0]})

    store = data_dir / "mer2024-ov_store"
    reference = read_label_table(store / "check-openset.csv")
    prediction = read_label_table(store / "predict-openset.csv")
    names = check_same_names(reference, prediction)
    refs = replicate([reference.cells[n] for n in names], args.n)
    preds = replicate([prediction.cells[n] for n in names], args.n)

    start = time.perf_counter()
    assets = (
        emer_default_assets() if args.assets == "emer" else load_mer_assets(data_dir / args.assets)
    )
    load_s = time.perf_counter() - start

    rows = [bench_level(assets, level, refs, preds) for level in WHEEL_LEVELS]
    log.info(
        "%d predictions (the %d clips replicated), assets %s (loaded in %.2f s, excluded), "
        "one core, Python %s on %s",
        args.n,
        len(names),
        assets.name,
        load_s,
        platform.python_version(),
        platform.processor() or platform.machine(),
    )
    log.info("%-7s %13s %9s %8s %9s", "level", "vectorised s", "plain s", "speedup", "F")
    for row in rows:
        log.info(
            "%-7s %13.3f %9.3f %7.1fx %9.6f",
            row["level"],
            row["vectorised_s"],
            row["plain_s"],
            row["speedup"],
            row["F"],
        )
    if args.json:
        args.json.write_text(json.dumps({"n": args.n, "assets": assets.name, "rows": rows}))
    over = [row for row in rows if row["vectorised_s"] >= BUDGET_S]
    if over:
        log.error("over the %.1f s budget: %s", BUDGET_S, [row["level"] for row in over])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
