"""Semantics of the emotion-wheel metric on small hand-made assets, and its properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emer_common.vocabulary import WheelRow
from emer_scoring.emotion_wheel import EmotionWheelMetric, f_score
from emer_scoring.emotion_wheel_plain import plain_wheel_scores
from emer_scoring.wheel_assets import Wheel, WheelAssets, emer_default_assets

pytestmark = pytest.mark.unit


def tiny_assets() -> WheelAssets:
    wheel_a = Wheel(
        "a",
        (
            WheelRow("joy", "glad", "happy"),
            WheelRow("joy", "calm", "relaxed"),
            WheelRow("fear", "worry", "anxious"),
            WheelRow("fear", "alarm", "scared"),
            WheelRow("sad", "low", "gloomy"),
            WheelRow("sad", "low", "anxious"),  # a second sector: the last row wins
        ),
    )
    wheel_b = Wheel("b", (WheelRow("good", "good", "happy"), WheelRow("bad", "bad", "scared")))
    return WheelAssets(
        name="tiny",
        forms={
            "happiness": ("happy",),
            "happy": ("happy",),
            "anxiety": ("anxious",),
            "anxious": ("anxious",),
            "relaxed": ("relaxed",),
            "scared": ("scared",),
            "fear": ("scared",),
            "gloomy": ("gloomy",),
            "joy": ("joy",),
        },
        synonyms={
            "happy": ("happy",),
            "anxious": ("scared", "anxious"),  # sorted: "anxious" is tried first
            "relaxed": ("relaxed",),
            "scared": ("scared",),
            "gloomy": ("gloomy",),
            "joy": ("joy",),
        },
        wheels=(wheel_a, wheel_b),
    )


def test_sector_maps_follow_the_mer_rules() -> None:
    wheel = tiny_assets().wheels[0]
    level1, level2 = wheel.sector_map("level1"), wheel.sector_map("level2")
    assert level1["anxious"] == "sad"  # last row wins
    assert level1["glad"] == "joy" and level1["joy"] == "joy"
    assert level2["joy"] == "calm"  # alphabetically first middle-ring word
    assert level2["happy"] == "glad"


def test_label_mapping_uses_the_first_sorted_candidate_the_wheel_has() -> None:
    metric = EmotionWheelMetric(tiny_assets(), "level1")
    assert metric.sectors("Anxiety ") == ("sad", "bad")  # wheel b lacks "anxious": "scared"
    assert metric.sectors("happiness") == ("joy", "good")
    assert metric.sectors("relaxed") == ("joy", None)
    assert metric.sectors("unknown") == (None, None)


def test_clip_scores_and_skips() -> None:
    metric = EmotionWheelMetric(tiny_assets(), "level1")
    scores = metric.score(
        [["happy", "fear"], ["unknown"], ["happy"], ["gloomy"]],
        [["joy", "relaxed", "gloomy"], ["happy"], [], ["gloomy"]],
    )
    wheel_a, wheel_b = scores.per_wheel
    # wheel a: clip 0 G={joy, fear} P={joy, sad} -> 1/2, 1/2; clip 2 -> 0, 0; clip 3 -> 1, 1
    assert wheel_a.clips == 3
    assert wheel_a.precision == pytest.approx((0.5 + 0 + 1) / 3)
    assert wheel_a.recall == pytest.approx((0.5 + 0 + 1) / 3)
    # wheel b: clip 0 G={good, bad} P={} (joy/relaxed/gloomy are not on b) -> 0; clip 2 -> 0
    assert wheel_b.clips == 2 and wheel_b.precision == 0 and wheel_b.recall == 0
    assert scores.skipped == 1
    assert scores.f_score == pytest.approx((f_score(0.5, 0.5) + 0) / 2)


def test_f_score_of_zeros_is_zero() -> None:
    assert f_score(0.0, 0.0) == 0.0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 references but 1 predictions"):
        EmotionWheelMetric(tiny_assets(), "level1").score([["a"], ["b"]], [["a"]])


# Property tests on emer's own vocabulary: every known label maps on every wheel
# (checked exhaustively in test_vocabulary_wheels.py).
EMER = emer_default_assets()
WORDS = sorted(EMER.known_labels())
label_lists = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6)
clips = st.lists(label_lists, min_size=1, max_size=8)
LEVELS = ("level1", "level2")


@settings(max_examples=60, deadline=None)
@given(clips, st.sampled_from(LEVELS))
def test_a_perfect_prediction_scores_one(references: list[list[str]], level: str) -> None:
    scores = EmotionWheelMetric(EMER, level).score(references, references)  # type: ignore[arg-type]
    assert (scores.f_score, scores.precision, scores.recall) == pytest.approx((1.0, 1.0, 1.0))


@settings(max_examples=60, deadline=None)
@given(clips, st.sampled_from(LEVELS))
def test_an_empty_prediction_scores_zero(references: list[list[str]], level: str) -> None:
    scores = EmotionWheelMetric(EMER, level).score(references, [[] for _ in references])  # type: ignore[arg-type]
    assert (scores.f_score, scores.precision, scores.recall) == (0.0, 0.0, 0.0)


@settings(max_examples=60, deadline=None)
@given(clips, clips, st.randoms(use_true_random=False), st.sampled_from(LEVELS))
def test_invariant_to_order_case_and_duplicates(
    references: list[list[str]], predictions: list[list[str]], rnd: object, level: str
) -> None:
    n = min(len(references), len(predictions))
    references, predictions = references[:n], predictions[:n]

    def scramble(labels: list[str]) -> list[str]:
        out = [x.upper() if rnd.random() < 0.5 else f" {x.title()} " for x in labels]  # type: ignore[attr-defined]
        out += out[: rnd.randint(0, len(out))]  # type: ignore[attr-defined]
        rnd.shuffle(out)  # type: ignore[attr-defined]
        return out

    metric = EmotionWheelMetric(EMER, level)  # type: ignore[arg-type]
    base = metric.score(references, predictions)
    again = metric.score([scramble(r) for r in references], [scramble(p) for p in predictions])
    assert again.per_wheel == base.per_wheel


@settings(max_examples=40, deadline=None)
@given(clips, clips, st.sampled_from(LEVELS))
def test_vectorised_equals_plain(
    references: list[list[str]], predictions: list[list[str]], level: str
) -> None:
    n = min(len(references), len(predictions))
    ref_texts = [str(r) for r in references[:n]]
    pred_texts = [", ".join(p) for p in predictions[:n]]
    fast = EmotionWheelMetric(EMER, level).score_texts(ref_texts, pred_texts)  # type: ignore[arg-type]
    plain = plain_wheel_scores(EMER, level, ref_texts, pred_texts)  # type: ignore[arg-type]
    assert fast == plain
