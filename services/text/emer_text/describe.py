"""Write the clue description in the style of EMER reference explanations."""

from __future__ import annotations

from collections.abc import Sequence

from emer_text.backends.base import CueKind, LinguisticCue
from emer_text.quoting import Quote

CLEAR_STRENGTH = 0.65  # hints at least this strong are "clearly" there
PLAIN_STRENGTH = 0.35  # below this they are "slightly" there
DESCRIBED_MIN_STRENGTH = 0.1  # every hint the combination keeps
DESCRIBED_HINTS = 3
DESCRIBED_CUES = 6
SENTENCE_END = frozenset(".!?。！？…")

CUE_ORDER = (
    CueKind.NEGATION,
    CueKind.INTENSIFIER,
    CueKind.THANKS,
    CueKind.APOLOGY,
    CueKind.REFUSAL,
    CueKind.HOSTILITY,
    CueKind.SARCASM,
    CueKind.INTERJECTION,
    CueKind.WORRY,
    CueKind.EMOTION_WORD,
    CueKind.DIMINISHER,
    CueKind.QUESTION,
    CueKind.EXCLAMATION,
    CueKind.ADDRESS,
    CueKind.SENTIMENT,
)
"""Most telling first: what changes the meaning, then speech acts, then form."""


def _adverb(strength: float) -> str:
    if strength >= CLEAR_STRENGTH:
        return "clearly "
    if strength >= PLAIN_STRENGTH:
        return ""
    return "slightly "


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def emotion_clause(hints: dict[str, float], sentences: int) -> str:
    """'This sentence suggests the speaker is clearly grateful and slightly shy'."""
    subject = "These sentences suggest" if sentences > 1 else "This sentence suggests"
    shown = [
        (word, strength)
        for word, strength in hints.items()
        if word != "neutral" and strength >= DESCRIBED_MIN_STRENGTH
    ][:DESCRIBED_HINTS]
    if not shown:
        return "The words carry no clear emotion"
    return f"{subject} the speaker is " + _join([f"{_adverb(s)}{w}" for w, s in shown])


ONE_PHRASE_KINDS = frozenset(
    {CueKind.THANKS, CueKind.APOLOGY, CueKind.QUESTION, CueKind.EXCLAMATION, CueKind.ADDRESS}
)
"""Kinds where one example says it all ("it thanks someone" once, not per word)."""


def ordered_cues(cues: Sequence[LinguisticCue]) -> list[str]:
    """Distinct cue phrases, most telling first."""
    rank = {kind: index for index, kind in enumerate(CUE_ORDER)}
    phrases: list[str] = []
    seen_kinds: set[CueKind] = set()
    for cue in sorted(cues, key=lambda c: rank.get(c.kind, len(rank))):
        if cue.phrase in phrases or (cue.kind in ONE_PHRASE_KINDS and cue.kind in seen_kinds):
            continue
        phrases.append(cue.phrase)
        seen_kinds.add(cue.kind)
    return phrases


def describe(
    source: str,
    quote: Quote,
    hints: dict[str, float] | None,
    cues: Sequence[LinguisticCue],
    sentences: int,
    notes: Sequence[str] = (),
) -> str:
    """The full description; ``hints`` None means the text was not scored at all."""
    # A quote that ends a sentence ("...thank you.") needs no second full stop after it.
    stop = "" if quote.literal[-2:-1] in SENTENCE_END else "."
    parts = [f"In the text, the {source} reads {quote.literal}{stop}{quote.note}"]
    if hints is not None:
        clause = emotion_clause(hints, sentences)
        phrases = ordered_cues(cues)[:DESCRIBED_CUES]
        parts.append(f"{clause}; {'; '.join(phrases)}." if phrases else f"{clause}.")
    parts.extend(notes)
    return " ".join(parts)
