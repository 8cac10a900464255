"""nade and VADER backends on real text."""

from __future__ import annotations

import pytest

from emer_text.analyzer import TextAnalyzer
from emer_text.backends.nade_backend import NadeBackend, plutchik_to_hints
from emer_text.backends.vader import VaderBackend

pytestmark = pytest.mark.unit


def _backend(analyzer: TextAnalyzer, name: str):  # type: ignore[no-untyped-def]
    return next(b for b in analyzer.backends if b.name == name)


@pytest.mark.parametrize(
    "text", ["I am so worried about my son.", "Thank you so much!", "我很难过", "x"]
)
def test_single_thread_scores_equal_nade_predict(text_analyzer: TextAnalyzer, text: str) -> None:
    backend = _backend(text_analyzer, "nade")
    assert isinstance(backend, NadeBackend)
    expected = {label: values[0].as_py() for label, values in backend._nade.predict(text).items()}
    assert backend.scores(text) == expected


def test_nade_reads_joy_and_sadness(text_analyzer: TextAnalyzer) -> None:
    backend = _backend(text_analyzer, "nade")
    assert max(backend.scores("I am so happy today!").items(), key=lambda i: i[1])[0] == "joy"
    assert (
        max(backend.scores("I miss him so much, he is gone.").items(), key=lambda i: i[1])[0]
        == "sadness"
    )


def test_plutchik_floor_and_mild_words() -> None:
    hints = plutchik_to_hints({"joy": 0.2, "fear": 0.4, "anger": 0.9, "trust": 0.0})
    assert "happy" not in hints  # below the neutral floor
    assert "worried" in hints and "afraid" not in hints  # mild fear is apprehension
    assert hints["angry"] == pytest.approx((0.9 - 0.25) / 0.75, abs=1e-3)


def test_vader_valence(text_analyzer: TextAnalyzer) -> None:
    backend = _backend(text_analyzer, "vader")
    assert isinstance(backend, VaderBackend)
    from emer_text.backends.base import TextInput

    good = backend.read(TextInput("What a wonderful day!", "en", ("What a wonderful day!",)))
    bad = backend.read(TextInput("I'm not happy at all.", "en", ("I'm not happy at all.",)))
    assert good.valence is not None and good.valence > 0.5
    assert bad.valence is not None and bad.valence < 0
