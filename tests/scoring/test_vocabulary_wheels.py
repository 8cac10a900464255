"""emer's own vocabulary and wheels are complete and consistent."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from emer_common.vocabulary import DEFAULT_WHEELS, EmotionVocabulary, default_wheel
from emer_scoring.emotion_wheel import EmotionWheelMetric
from emer_scoring.wheel_assets import WheelAssets

pytestmark = pytest.mark.unit

MER2023_LABELS = ("angry", "happy", "worried", "sad", "surprise", "neutral")


def test_every_base_word_sits_once_on_every_wheel() -> None:
    vocab = EmotionVocabulary.default()
    for name in DEFAULT_WHEELS:
        words = [row.level3 for row in default_wheel(name)]
        assert sorted(words) == sorted(vocab.words), name


def test_plutchik_sectors_follow_the_vocabulary_families() -> None:
    vocab = EmotionVocabulary.default()
    for row in default_wheel("plutchik"):
        assert vocab.words[row.level3].family == row.level1


def test_synonyms_point_to_base_words_and_never_override_forms() -> None:
    vocab = EmotionVocabulary.default()
    text = resources.files("emer_common").joinpath("data/synonyms.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        assert row["word"] in vocab.words
        for synonym in row["synonyms"].split("|"):
            assert synonym not in vocab.forms(), synonym
            assert vocab.canonical(synonym) == row["word"], synonym
    assert vocab.normalize("low") is None  # synonyms stay out of normalize
    assert vocab.canonical("Low ") == "sad"


@pytest.mark.parametrize("level", ["level1", "level2"])
def test_mer2023_labels_map_on_every_wheel(emer_assets: WheelAssets, level: str) -> None:
    metric = EmotionWheelMetric(emer_assets, level)  # type: ignore[arg-type]
    for label in MER2023_LABELS:
        assert None not in metric.sectors(label), label


def test_forms_and_synonyms_reach_the_same_sector(emer_assets: WheelAssets) -> None:
    metric = EmotionWheelMetric(emer_assets, "level1")
    assert metric.sectors("anxiety") == metric.sectors("worried") == ("fear", "fear")
    assert metric.sectors("heavy-hearted") == metric.sectors("sad")
    assert metric.sectors("calmly") == metric.sectors("relaxed")  # the vocabulary's suffix rules
    assert metric.sectors("table") == (None, None)


@pytest.mark.parametrize("level", ["level1", "level2"])
def test_every_known_label_maps_on_every_wheel(emer_assets: WheelAssets, level: str) -> None:
    """Exhaustive: each label the default assets know has a sector on each wheel."""
    metric = EmotionWheelMetric(emer_assets, level)  # type: ignore[arg-type]
    unmapped = {
        label: sectors
        for label in sorted(emer_assets.known_labels())
        if None in (sectors := metric.sectors(label))
    }
    assert unmapped == {}


@pytest.mark.parametrize("label", ["fatigue", "cheerfulness"])
@pytest.mark.parametrize("level", ["level1", "level2"])
def test_a_sector_name_of_one_wheel_scores_one_against_itself(
    emer_assets: WheelAssets, label: str, level: str
) -> None:
    """Found by hypothesis (`[['fatigue']]`): sector names of the Parrott wheel that were on
    no sector of the Plutchik wheel, so a perfect prediction scored below one."""
    scores = EmotionWheelMetric(emer_assets, level).score([[label]], [[label]])  # type: ignore[arg-type]
    assert (scores.f_score, scores.precision, scores.recall) == pytest.approx((1.0, 1.0, 1.0))
