"""ResultScorer (the service's domain code), JobAggregate and ScoringSettings."""

from __future__ import annotations

from pathlib import Path

import pytest

from emer_common.contracts import ClipResult, References, Score
from emer_scoring.aggregate import JobAggregate
from emer_scoring.extraction import LexiconLabelExtractor
from emer_scoring.judge import ExplanationJudge
from emer_scoring.scorer import ResultScorer
from emer_scoring.settings import ScoringSettings
from emer_scoring.wheel_assets import WheelAssets

from .conftest import replying

pytestmark = pytest.mark.unit

EXPLANATION = "Her voice trembles and she frowns; she says she lost the keys. She is worried."


def result(
    labels: tuple[str, ...] = (),
    references: References | None = None,
    explanation: str = EXPLANATION,
    clip_id: str = "clip1",
) -> ClipResult:
    return ClipResult(
        job_id="job1",
        clip_id=clip_id,
        source="a.mp4",
        explanation=explanation,
        labels=labels,
        references=references,
    )


@pytest.fixture
def scorer(emer_assets: WheelAssets) -> ResultScorer:
    return ResultScorer(emer_assets, ("level1", "level2"), LexiconLabelExtractor())


def by_metric(scores: tuple[Score, ...]) -> dict[str, Score]:
    return {s.metric: s for s in scores}


def test_no_references_no_scores(scorer: ResultScorer) -> None:
    assert scorer.score(result(labels=("happy",))) == ()


def test_wheel_and_hit_rate_scores(scorer: ResultScorer) -> None:
    scores = by_metric(scorer.score(result(("anxious", "sad"), References(labels=("worried",)))))
    assert set(scores) == {
        "emotion_wheel.level1",
        "emotion_wheel.level2",
        "hit_rate.level1",
        "hit_rate.level2",
    }
    wheel = scores["emotion_wheel.level1"]
    assert wheel.values == {
        "parrott.P": 0.5,
        "parrott.R": 1.0,
        "plutchik.P": 0.5,
        "plutchik.R": 1.0,
    }
    assert wheel.vocabulary == "emer-default"
    assert wheel.details["labels_source"] == "result"
    assert scores["hit_rate.level1"].values == {"parrott.hit": 1.0, "plutchik.hit": 1.0}


def test_multi_label_references_give_no_hit_rate(scorer: ResultScorer) -> None:
    scores = by_metric(scorer.score(result(("happy",), References(labels=("happy", "relieved")))))
    assert set(scores) == {"emotion_wheel.level1", "emotion_wheel.level2"}


def test_unmappable_reference_is_skipped(scorer: ResultScorer) -> None:
    assert scorer.score(result(("happy",), References(labels=("table",)))) == ()


def test_labels_are_extracted_when_missing(scorer: ResultScorer) -> None:
    scores = by_metric(scorer.score(result((), References(labels=("worried",)))))
    wheel = scores["emotion_wheel.level1"]
    assert wheel.details["labels_source"] == "lexicon"
    assert wheel.details["labels"] == "worried"
    assert wheel.values["parrott.P"] == 1.0


def test_empty_prediction_scores_zero(scorer: ResultScorer) -> None:
    scores = by_metric(scorer.score(result((), References(labels=("worried",)), explanation="")))
    assert set(scores["emotion_wheel.level1"].values.values()) == {0.0}


def test_judge_scores_with_provenance(emer_assets: WheelAssets) -> None:
    judge = ExplanationJudge(replying('{"clue_overlap": 6, "label_overlap": 8}'), temperature=0.2)
    scorer = ResultScorer(emer_assets, ("level1",), LexiconLabelExtractor(), judge)
    refs = References(explanation="She frowns and sounds anxious; she is worried.")
    (score,) = scorer.score(result((), refs))
    assert score.metric == "llm_judge"
    assert score.values == {"clue_overlap": 6.0, "label_overlap": 8.0}
    assert score.details["judge_model"] == "fake-judge@0"
    assert score.details["prompt_version"] == "judge-v1"
    assert score.details["temperature"] == "0.2"
    assert score.details["raw_reply"] == '{"clue_overlap": 6, "label_overlap": 8}'


def test_unusable_judge_reply_is_kept(emer_assets: WheelAssets) -> None:
    judge = ExplanationJudge(replying("It is quite good."))
    scorer = ResultScorer(emer_assets, ("level1",), LexiconLabelExtractor(), judge)
    (score,) = scorer.score(result((), References(explanation="She is worried.")))
    assert score.values == {}
    assert score.details["raw_reply"] == "It is quite good."
    assert "no clue_overlap" in score.details["error"]


def test_aggregate_is_idempotent_and_round_trips(scorer: ResultScorer) -> None:
    aggregate = JobAggregate("job1")
    first = scorer.score(result(("anxious",), References(labels=("worried",)), clip_id="a"))
    second = scorer.score(result(("happy",), References(labels=("worried",)), clip_id="b"))
    assert aggregate.add("a", first)
    assert not aggregate.add("a", first)  # redelivery
    assert aggregate.add("b", second)
    restored = JobAggregate.from_json(aggregate.to_json())
    assert restored == aggregate
    summary = restored.summary()["emotion_wheel.level1"]
    assert summary["parrott.P"] == 0.5 and summary["parrott.R"] == 0.5
    assert summary["parrott.F"] == 0.5 and summary["F"] == 0.5
    assert summary["clips"] == 2.0
    assert restored.summary()["hit_rate.level1"]["hit"] == 0.5


def test_aggregate_counts_failures() -> None:
    aggregate = JobAggregate("j")
    failed = Score(job_id="j", clip_id="c", metric="llm_judge", values={}, vocabulary="n/a")
    aggregate.add("c", [failed])
    assert aggregate.summary() == {"llm_judge": {"clips": 0.0, "failed": 1.0}}
    assert JobAggregate.from_json(b"{}") == JobAggregate()


def test_settings_and_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EMER_SCORING_HEALTH_PORT", "9090")
    monkeypatch.setenv("EMER_SCORING_WHEEL_LEVELS", '["level2"]')
    settings = ScoringSettings()
    assert settings.health_port == 9090 and settings.wheels_dir is None
    scorer = ResultScorer.from_settings(settings)
    assert scorer.assets.name == "emer-default" and list(scorer.metrics) == ["level2"]
    assert scorer.judge is None
    judged = ResultScorer.from_settings(
        ScoringSettings(judge=True, label_extractor="llm+lexicon"), backend=replying("[]")
    )
    assert judged.judge is not None
    monkeypatch.setenv("EMER_SCORING_WHEELS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=r"format\.csv"):
        ResultScorer.from_settings(ScoringSettings())
