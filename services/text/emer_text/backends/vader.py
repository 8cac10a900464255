"""Valence from VADER (MIT): a rule-based English sentiment lexicon that handles negation."""

from __future__ import annotations

from importlib.metadata import version

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from emer_common.contracts import Evidence, ModelInfo
from emer_text.backends.base import CueKind, LinguisticCue, Reading, TextInput
from emer_text.settings import TextSettings

POSITIVE_THRESHOLD = 0.05
"""VADER's own convention: compound >= 0.05 is positive, <= -0.05 negative."""
CLEAR_THRESHOLD = 0.5
"""Compound magnitude from which we call the sentiment clear rather than mild."""


def _polarity_phrase(compound: float) -> str:
    if abs(compound) < POSITIVE_THRESHOLD:
        return "neutral"
    side = "positive" if compound > 0 else "negative"
    return f"clearly {side}" if abs(compound) >= CLEAR_THRESHOLD else f"mildly {side}"


class VaderBackend:
    """Valence only: VADER scores polarity, not discrete emotions."""

    name = "vader"
    languages = frozenset({"en"})

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()
        self.info = ModelInfo(
            component="text",
            backend=self.name,
            model="vaderSentiment lexicon",
            version=version("vaderSentiment"),
        )

    @classmethod
    def from_settings(cls, settings: TextSettings) -> VaderBackend:
        del settings
        return cls()

    def read(self, text: TextInput) -> Reading:
        scores = self._analyzer.polarity_scores(text.text)
        compound = float(scores["compound"])
        phrase = _polarity_phrase(compound)
        return Reading(
            backend=self.name,
            valence=compound,
            cues=(
                LinguisticCue(
                    CueKind.SENTIMENT,
                    f"{compound:+.2f}",
                    f"the overall sentiment is {phrase} (VADER compound {compound:+.2f})",
                ),
            ),
            evidence=(
                Evidence(
                    name="vader_compound",
                    value=round(compound, 4),
                    norm="-1..1; >= 0.05 positive, <= -0.05 negative (VADER convention)",
                ),
                Evidence(name="vader_positive", value=round(float(scores["pos"]), 4)),
                Evidence(name="vader_negative", value=round(float(scores["neg"]), 4)),
            ),
            sees_negation=True,
        )
