"""What a negated emotion word means ("not happy" is unhappy, never happy)."""

from __future__ import annotations

from emer_common.vocabulary import EmotionVocabulary

POSITIVE_VALENCE = 0.2
"""Vocabulary valence above which a word counts as positive."""

NEGATED_POSITIVE_STRENGTH = 0.6

NEGATED_POSITIVE = {
    "satisfied": "dissatisfied",
    "content": "dissatisfied",
    "pleased": "dissatisfied",
    "confident": "insecure",
    "relaxed": "nervous",
    "relieved": "worried",
    "trusting": "doubtful",
    "curious": "bored",
}
"""Negated positive words with a closer opposite than "sad" (the vocabulary's "unhappy")."""


def negated_meaning(base: str, vocabulary: EmotionVocabulary) -> str | None:
    """The base word a negated ``base`` supports, or None (a negated negative word, such as
    "not worried", denies an emotion without naming another)."""
    valence = vocabulary.valence(base)
    if valence is None or valence <= POSITIVE_VALENCE:
        return None
    return NEGATED_POSITIVE.get(base, "sad")
