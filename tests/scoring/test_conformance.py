"""The field's published numbers, reproduced from the benchmark files (EMER_BENCHMARK_DIR).

Numbers from /shared/benchmarks/README.md: MER2024's README for the set-level metric, and an
independently computed table for the emotion-wheel metric.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emer_common.contracts import ClipResult, References
from emer_scoring.aggregate import JobAggregate
from emer_scoring.emotion_wheel import EmotionWheelMetric
from emer_scoring.emotion_wheel_plain import plain_wheel_scores
from emer_scoring.extraction import LexiconLabelExtractor
from emer_scoring.label_lists import list_syntax, parse_strict_list, parse_wheel_list
from emer_scoring.openset import load_synonym_texts, score_openset
from emer_scoring.scorer import ResultScorer
from emer_scoring.wheel_assets import WheelAssets

from .conftest import OvStore

pytestmark = [pytest.mark.benchmark_data, pytest.mark.unit]

OV_OFFICIAL = (0.581777108433735, 0.4977911646586345, 0.5397841365461847)
OV_STRICT = (0.580271, 0.496285, 0.538278)
# assets -> level -> (F, P, R)
WHEEL_TABLE = {
    "mer2025-emotion_wheel": {
        "level1": (0.553706, 0.559395, 0.548516),
        "level2": (0.424486, 0.447421, 0.405040),
    },
    "mer2026-emotion_wheel": {
        "level1": (0.554608, 0.560524, 0.549187),
        "level2": (0.424583, 0.448026, 0.404764),
    },
}
WHEEL_CASES = [(a, lv) for a, levels in WHEEL_TABLE.items() for lv in levels]


def texts(store: OvStore) -> tuple[list[str], list[str]]:
    names = store.reference.names
    return [store.reference.cells[n] for n in names], [store.prediction.cells[n] for n in names]


def test_openset_official_parser_reproduces_mer2024(ov_store: OvStore) -> None:
    syntax = list_syntax("official")
    scores = score_openset(
        ov_store.reference.names,
        ov_store.reference.parsed(syntax.labels),
        ov_store.prediction.parsed(syntax.labels),
        load_synonym_texts(ov_store.synonyms_zip),
        syntax,
    )
    assert scores.clips == 332
    got = (scores.accuracy, scores.recall, scores.average)
    assert got == pytest.approx(OV_OFFICIAL, abs=1e-12)


def test_openset_strict_parser_differs_only_where_the_official_one_splits(
    ov_store: OvStore,
) -> None:
    syntax = list_syntax("strict")
    scores = score_openset(
        ov_store.reference.names,
        ov_store.reference.parsed(syntax.labels),
        ov_store.prediction.parsed(syntax.labels),
        load_synonym_texts(ov_store.synonyms_zip),
        syntax,
    )
    got = (scores.accuracy, scores.recall, scores.average)
    assert got == pytest.approx(OV_STRICT, abs=1e-6)
    official = list_syntax("official").labels
    differing = [
        name
        for name, cell in ov_store.prediction.cells.items()
        if tuple(x.lower() for x in official(cell)) != parse_strict_list(cell.lower())
    ]
    assert differing == ["sample_00001774"]


@pytest.mark.parametrize(("assets_name", "level"), WHEEL_CASES)
def test_emotion_wheel_reproduces_the_table(
    ov_store: OvStore, mer_assets: dict[str, WheelAssets], assets_name: str, level: str
) -> None:
    ref, pred = texts(ov_store)
    metric = EmotionWheelMetric(mer_assets[assets_name], level)  # type: ignore[arg-type]
    scores = metric.score_texts(ref, pred)
    want_f, want_p, want_r = WHEEL_TABLE[assets_name][level]
    assert scores.f_score == pytest.approx(want_f, abs=1e-6)
    assert scores.precision == pytest.approx(want_p, abs=1e-6)
    assert scores.recall == pytest.approx(want_r, abs=1e-6)
    plain = plain_wheel_scores(mer_assets[assets_name], level, ref, pred)  # type: ignore[arg-type]
    assert plain == scores


def test_mer2025_ranking_score(ov_store: OvStore, mer_assets: dict[str, WheelAssets]) -> None:
    ref, pred = texts(ov_store)
    assets = mer_assets["mer2025-emotion_wheel"]
    f1 = EmotionWheelMetric(assets, "level1").score_texts(ref, pred).f_score
    f2 = EmotionWheelMetric(assets, "level2").score_texts(ref, pred).f_score
    assert (f1 + f2) / 2 == pytest.approx(0.489096, abs=1e-6)


@pytest.mark.parametrize("assets_name", list(WHEEL_TABLE))
def test_cli_ew_json(ov_store: OvStore, benchmark_dir: Path, assets_name: str) -> None:
    from emer_scoring.cli import score_app

    for level_flag, level in (("1", "level1"), ("2", "level2")):
        args = ["ew", "--ref", str(ov_store.reference_csv), "--pred", str(ov_store.prediction_csv)]
        args += ["--wheels", str(benchmark_dir / assets_name), "--level", level_flag, "--json"]
        result = CliRunner().invoke(score_app, args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        got = (data["F"], data["P"], data["R"])
        assert got == pytest.approx(WHEEL_TABLE[assets_name][level], abs=1e-6)
        assert len(data["per_wheel"]) == 5


@pytest.mark.parametrize(
    ("parser", "want", "tol"), [("official", OV_OFFICIAL, 1e-12), ("strict", OV_STRICT, 1e-6)]
)
def test_cli_ov_json(ov_store: OvStore, parser: str, want: tuple[float, ...], tol: float) -> None:
    from emer_scoring.cli import score_app

    args = ["ov", "--ref", str(ov_store.reference_csv), "--pred", str(ov_store.prediction_csv)]
    args += ["--synonyms", str(ov_store.synonyms_zip), "--parser", parser, "--json"]
    result = CliRunner().invoke(score_app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["accuracy"], data["recall"], data["average"]) == pytest.approx(want, abs=tol)


def test_service_aggregate_reproduces_the_table(
    ov_store: OvStore, mer_assets: dict[str, WheelAssets]
) -> None:
    """Per-clip scores of the service, summed in a JobAggregate, give the dataset metric."""
    scorer = ResultScorer(
        mer_assets["mer2025-emotion_wheel"], ("level1", "level2"), LexiconLabelExtractor()
    )
    aggregate = JobAggregate("job")
    for name in ov_store.reference.names:
        result = ClipResult(
            job_id="job",
            clip_id=name,
            source=f"{name}.mp4",
            explanation="",
            labels=parse_wheel_list(ov_store.prediction.cells[name]),
            references=References(labels=parse_wheel_list(ov_store.reference.cells[name])),
        )
        assert aggregate.add(name, scorer.score(result))
    restored = JobAggregate.from_json(aggregate.to_json())
    summary = restored.summary()
    ref, pred = texts(ov_store)
    for level in ("level1", "level2"):
        values = summary[f"emotion_wheel.{level}"]
        got = (values["F"], values["P"], values["R"])
        assert got == pytest.approx(WHEEL_TABLE["mer2025-emotion_wheel"][level], abs=1e-6)
        exact = EmotionWheelMetric(scorer.assets, level).score_texts(ref, pred)
        assert got == pytest.approx((exact.f_score, exact.precision, exact.recall), abs=1e-12)
