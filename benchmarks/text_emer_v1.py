"""Text-only agreement on the 100 EMER-V1 clips, and the text analyzer's CPU time per clip.

    .venv/bin/python benchmarks/text_emer_v1.py                 # English subtitles
    .venv/bin/python benchmarks/text_emer_v1.py --subtitles chi  # the Chinese originals

Reads ``$EMER_BENCHMARK_DIR/emer-v1/gt-eng.csv`` (and ``gt-chi.csv``): non-commercial data,
never copied into the repository. The strongest emotion hint is mapped onto the five
MER2023 classes (``benchmarks/text_agreement.py``) and compared with the reference label; the
majority-class baseline on the same clips is reported next to it. Results: docs/text.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from text_agreement import AgreementReport, agreement, to_five_class  # a sibling script

from emer_common.vocabulary import EmotionVocabulary
from emer_text.analyzer import TextAnalyzer
from emer_text.settings import TextSettings

log = logging.getLogger("text_emer_v1")

EMER_V1 = "emer-v1"
SUBTITLE_FILES = {"eng": "gt-eng.csv", "chi": "gt-chi.csv"}
LANGUAGE = {"eng": "en", "chi": "zh"}


class BenchmarkEnv(BaseSettings):
    """``EMER_BENCHMARK_DIR``: where the shared, non-commercial benchmark files live."""

    model_config = SettingsConfigDict(env_prefix="EMER_", extra="ignore", frozen=True)

    benchmark_dir: Path | None = None


@dataclass(frozen=True)
class Clip:
    name: str
    label: str  # the English five-class reference label
    subtitle: str


@dataclass(frozen=True)
class BenchmarkResult:
    report: AgreementReport
    predictions: tuple[str | None, ...]
    load_s: float
    ms_per_clip: tuple[float, ...]  # analyze() wall time of the clips that have text


def load_clips(data_dir: Path, subtitles: str = "eng") -> list[Clip]:
    """EMER-V1 clips: labels from gt-eng.csv, subtitles in the chosen language."""
    folder = data_dir / EMER_V1
    with (folder / SUBTITLE_FILES["eng"]).open(encoding="utf-8", newline="") as handle:
        english = list(csv.DictReader(handle))
    texts = {row["names"]: row["subtitles"] for row in english}
    if subtitles != "eng":
        with (folder / SUBTITLE_FILES[subtitles]).open(encoding="utf-8", newline="") as handle:
            texts = {row["names"]: row["subtitles"] for row in csv.DictReader(handle)}
    return [Clip(row["names"], row["emotions"].strip(), texts[row["names"]]) for row in english]


def run(clips: list[Clip], settings: TextSettings, language: str | None = None) -> BenchmarkResult:
    """Analyze every clip's subtitle and score the five-class agreement."""
    vocabulary = EmotionVocabulary.default()
    start = time.perf_counter()
    analyzer = TextAnalyzer.from_settings(settings)
    load_s = time.perf_counter() - start
    predictions: list[str | None] = []
    timings: list[float] = []
    for clip in clips:
        start = time.perf_counter()
        findings = analyzer.analyze(clip.subtitle, "subtitle", language)
        elapsed_ms = (time.perf_counter() - start) * 1000
        if clip.subtitle.strip():
            timings.append(elapsed_ms)
        predictions.append(to_five_class(findings.emotion_hints, vocabulary))
    report = agreement(predictions, [clip.label for clip in clips])
    return BenchmarkResult(report, tuple(predictions), load_s, tuple(timings))


def format_result(result: BenchmarkResult, title: str) -> str:
    report = result.report
    times = sorted(result.ms_per_clip)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else 0.0
    lines = [
        f"## {title}",
        "",
        "| class | clips | correct | agreement |",
        "|---|---:|---:|---:|",
        *(f"| {c.label} | {c.support} | {c.correct} | {c.recall:.1%} |" for c in report.per_class),
        f"| **overall** | {report.total} | {report.correct} | **{report.accuracy:.1%}** |",
        "",
        f"- majority-class baseline (always '{report.majority_label}'): "
        f"{report.majority_accuracy:.1%}",
        f"- mean per-class agreement: {report.mean_class_recall:.1%} (baseline 20.0%)",
        f"- no prediction: {report.abstained} clips (empty subtitle or nothing emotional); on "
        f"the {report.total - report.abstained} answered clips: {report.answered_accuracy:.1%} "
        f"(always '{report.majority_label}' there: {report.answered_majority_accuracy:.1%})",
        f"- load: {result.load_s:.2f} s; per clip with text: mean "
        f"{statistics.fmean(times) if times else 0.0:.2f} ms, median "
        f"{statistics.median(times) if times else 0.0:.2f} ms, p95 {p95:.2f} ms "
        f"({len(times)} clips)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=None, help="default $EMER_BENCHMARK_DIR")
    parser.add_argument("--subtitles", choices=sorted(SUBTITLE_FILES), default="eng")
    parser.add_argument("--backends", default=None, help="comma list; default the settings'")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    data_dir = args.data_dir or BenchmarkEnv().benchmark_dir
    if data_dir is None:
        log.error("set EMER_BENCHMARK_DIR or pass --data-dir")
        return 2
    settings = TextSettings()
    if args.backends:
        settings = TextSettings(backends=tuple(args.backends.split(",")))
    clips = load_clips(data_dir, args.subtitles)
    result = run(clips, settings)
    title = f"EMER-V1 {args.subtitles} subtitles, backends {', '.join(settings.backends)}"
    sys.stdout.write(format_result(result, title) + "\n")
    if args.json:
        payload = {
            "subtitles": args.subtitles,
            "backends": list(settings.backends),
            "report": asdict(result.report),
            "accuracy": result.report.accuracy,
            "predictions": dict(zip((c.name for c in clips), result.predictions, strict=True)),
            "load_s": result.load_s,
            "ms_per_clip": list(result.ms_per_clip),
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
