"""Hit rate of labels extracted from EMER-V1 reference explanations against the MER2023 label.

A check of the offline path the scoring service takes for explanations without labels: the
lexicon extractor reads the English reference explanations (``reasons`` of
``$EMER_BENCHMARK_DIR/emer-v1/gt-eng.csv``, 100 clips, non-commercial data read in place) and
the hit rate asks whether those labels contain the clip's discrete MER2023 label (angry,
happy, worried, sad, surprise) after wheel mapping.

    EMER_BENCHMARK_DIR=../shared/benchmarks .venv/bin/python benchmarks/scoring_hit_rate.py

Results are recorded in docs/scoring.md.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from emer_scoring.emotion_wheel import EmotionWheelMetric
from emer_scoring.extraction import LexiconLabelExtractor
from emer_scoring.hit_rate import hit_rate
from emer_scoring.mer_assets import load_mer_assets
from emer_scoring.wheel_assets import WHEEL_LEVELS, WheelAssets, emer_default_assets

log = logging.getLogger("scoring_hit_rate")
EMER_V1_FILE = "emer-v1/gt-eng.csv"


class BenchmarkEnv(BaseSettings):
    """``EMER_BENCHMARK_DIR``: where the shared, non-commercial benchmark files live."""

    model_config = SettingsConfigDict(env_prefix="EMER_", extra="ignore", frozen=True)

    benchmark_dir: Path | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="default $EMER_BENCHMARK_DIR")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data_dir = args.data_dir or BenchmarkEnv().benchmark_dir
    if data_dir is None:
        log.error("set EMER_BENCHMARK_DIR or pass --data-dir")
        return 2
    with (data_dir / EMER_V1_FILE).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    extractor = LexiconLabelExtractor()
    references = [row["emotions"].strip().lower() for row in rows]
    extracted = [extractor.extract(row["reasons"]).labels for row in rows]
    empty = sum(not labels for labels in extracted)
    log.info("%d clips; the lexicon found no label in %d explanations", len(rows), empty)
    asset_sets: list[WheelAssets] = [emer_default_assets()]
    if (data_dir / "mer2025-emotion_wheel").is_dir():
        asset_sets.append(load_mer_assets(data_dir / "mer2025-emotion_wheel"))
    log.info("%-22s %-7s %9s  %s", "assets", "level", "hit rate", "per wheel")
    for assets in asset_sets:
        for level in WHEEL_LEVELS:
            scores = hit_rate(EmotionWheelMetric(assets, level), references, extracted)
            per_wheel = " ".join(f"{w}={rate:.3f}" for w, rate, _ in scores.per_wheel)
            log.info("%-22s %-7s %9.3f  %s", assets.name, level, scores.hit_rate, per_wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
