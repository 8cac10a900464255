"""Merge the readings of several backends into one set of emotion hints.

Independent evidence adds up by noisy-OR (two 0.5 readings give 0.75). Then the linguistic
cues correct what bag-of-words models miss: a negated emotion removes that emotion's family
from backends that cannot see negation, sarcasm and a clearly opposite overall sentiment damp
positive (or negative) hints, and an exclamation strengthens what is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emer_common.contracts import Evidence
from emer_common.vocabulary import EmotionVocabulary
from emer_text.backends.base import CueKind, LinguisticCue, Reading
from emer_text.negation import POSITIVE_VALENCE

MIN_HINT = 0.1  # hints weaker than this are dropped
MAX_HINTS = 6
NEUTRAL_STRENGTH = 0.5  # the hint given when nothing emotional was found
GATE_VALENCE = 0.3  # overall sentiment beyond which opposite-valence hints are damped
MIN_GATE_FACTOR = 0.3  # the strongest damping the overall sentiment can apply
SARCASM_FACTOR = 0.5  # positive hints under a sarcasm marker
EXCLAMATION_FACTOR = 1.15


@dataclass(frozen=True)
class Combined:
    hints: dict[str, float]
    valence: float | None
    cues: tuple[LinguisticCue, ...]
    evidence: tuple[Evidence, ...]
    negated: frozenset[str]


def _noisy_or(values: Sequence[float]) -> float:
    remaining = 1.0
    for value in values:
        remaining *= 1.0 - min(max(value, 0.0), 1.0)
    return 1.0 - remaining


def _family(word: str, vocabulary: EmotionVocabulary) -> str | None:
    entry = vocabulary.get(word)
    return entry.family if entry else None


def _gate(valence: float | None, word_valence: float) -> float:
    """Damping of a hint whose valence opposes a clear overall sentiment."""
    if valence is None:
        return 1.0
    if valence <= -GATE_VALENCE and word_valence > POSITIVE_VALENCE:
        return max(1.0 + valence, MIN_GATE_FACTOR)
    if valence >= GATE_VALENCE and word_valence < -POSITIVE_VALENCE:
        return max(1.0 - valence, MIN_GATE_FACTOR)
    return 1.0


def combine(readings: Sequence[Reading], vocabulary: EmotionVocabulary) -> Combined:
    """One set of hints (strongest first), the overall valence, and every cue and evidence."""
    negated = frozenset().union(*(r.negated for r in readings))
    negated_families = {_family(word, vocabulary) for word in negated}
    per_word: dict[str, list[float]] = {}
    for reading in readings:
        for word, strength in reading.hints.items():
            if not reading.sees_negation and _family(word, vocabulary) in negated_families:
                continue
            per_word.setdefault(word, []).append(strength)
    valences = [r.valence for r in readings if r.valence is not None]
    valence = sum(valences) / len(valences) if valences else None
    cues = tuple(cue for reading in readings for cue in reading.cues)
    kinds = {cue.kind for cue in cues}
    hints: dict[str, float] = {}
    for word, strengths in per_word.items():
        word_valence = vocabulary.valence(word) or 0.0
        strength = _noisy_or(strengths) * _gate(valence, word_valence)
        if CueKind.SARCASM in kinds and word_valence > POSITIVE_VALENCE:
            strength *= SARCASM_FACTOR
        if CueKind.EXCLAMATION in kinds:
            strength *= EXCLAMATION_FACTOR
        if strength >= MIN_HINT:
            hints[word] = round(min(strength, 1.0), 3)
    ranked = dict(sorted(hints.items(), key=lambda item: -item[1])[:MAX_HINTS])
    if not ranked:
        ranked = {"neutral": NEUTRAL_STRENGTH}
    return Combined(
        hints=ranked,
        valence=None if valence is None else round(valence, 4),
        cues=cues,
        evidence=tuple(e for reading in readings for e in reading.evidence),
        negated=negated,
    )
