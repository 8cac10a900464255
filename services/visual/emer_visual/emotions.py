"""From action units and a classifier to emotion words with strengths.

Two independent cues are combined per frame:

1. **Action-unit prototypes** (EMFACS-style combinations, e.g. happiness = AU6+AU12, sadness
   = AU1+AU4+AU15, surprise = AU1+AU2+AU5+AU26) scored from the AU degrees;
2. **the expression classifier** of the configured backend on the face crop.

Both become a distribution over the same words and are combined as a weighted product of
experts (a weighted geometric mean, renormalised): a word both cues support stays strong, and
one cue alone cannot carry a word the other rules out (a crying grimace pulls the lip corners
like a smile, but the classifier sees no happy face). Words are base words of
``EmotionVocabulary.default()``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from emer_visual.actions import AU_INDEX

EMOTIONS: tuple[str, ...] = (
    "happy",
    "surprised",
    "sad",
    "angry",
    "worried",
    "afraid",
    "disgusted",
    "neutral",
)
"""Emotion words the visual clue can hint at (base words of emer's vocabulary)."""
EMOTION_INDEX = {word: i for i, word in enumerate(EMOTIONS)}
AU_WEIGHT = 0.5
"""Exponent of the AU prototypes in the fused per-frame distribution (the classifier has the
rest)."""
PROBABILITY_FLOOR = 0.02
"""Smallest probability either cue gives a word before fusion, so that one cue's zero is a
strong vote against a word rather than an absolute veto."""
NEUTRAL_FLOOR = 0.15
"""AU evidence for 'neutral' when some action is strong: a face is rarely read as fully
expressive from blendshapes alone."""


def _d(degrees: np.ndarray, code: str) -> float:
    return float(degrees[AU_INDEX[code]])


def _not_smiling(d: np.ndarray) -> float:
    # soft: a crying grimace also pulls the lip corners, so a smile only halves the others
    return 1 - 0.5 * _d(d, "AU12")


def _happy(d: np.ndarray) -> float:
    # lowered or inner-raised brows with pulled lip corners is the crying grimace, not a smile
    brows = max(_d(d, "AU4"), _d(d, "AU1"))
    return _d(d, "AU12") * (0.75 + 0.25 * _d(d, "AU6")) * (1 - 0.5 * brows)


def _surprised(d: np.ndarray) -> float:
    brows = (_d(d, "AU1") + _d(d, "AU2")) / 2
    return (0.45 * brows + 0.3 * _d(d, "AU26") + 0.25 * _d(d, "AU5")) * (1 - _d(d, "AU4"))


def _sad(d: np.ndarray) -> float:
    lower_face = max(_d(d, "AU15"), 0.5 * _d(d, "AU17"))
    return (0.3 * _d(d, "AU1") + 0.3 * _d(d, "AU4") + 0.4 * lower_face) * _not_smiling(d)


def _angry(d: np.ndarray) -> float:
    lips = max(_d(d, "AU24"), _d(d, "AU17"), _d(d, "AU28"))
    score = 0.55 * _d(d, "AU4") + 0.2 * _d(d, "AU7") + 0.25 * lips
    return score * (1 - _d(d, "AU1")) * _not_smiling(d)


def _worried(d: np.ndarray) -> float:
    # the oblique "worry" brows: inner brows raised while the brows are drawn together
    return float(np.sqrt(_d(d, "AU1") * _d(d, "AU4"))) * _not_smiling(d)


def _afraid(d: np.ndarray) -> float:
    brows = float(np.sqrt(_d(d, "AU1") * max(_d(d, "AU2"), _d(d, "AU4"))))
    return (0.3 * brows + 0.4 * _d(d, "AU5") + 0.3 * _d(d, "AU20")) * _not_smiling(d)


def _disgusted(d: np.ndarray) -> float:
    upper = max(_d(d, "AU9"), _d(d, "AU10") * (1 - _d(d, "AU12")))
    return 0.7 * upper + 0.3 * _d(d, "AU15") * (1 - _d(d, "AU12"))


PROTOTYPES: dict[str, Callable[[np.ndarray], float]] = {
    "happy": _happy,
    "surprised": _surprised,
    "sad": _sad,
    "angry": _angry,
    "worried": _worried,
    "afraid": _afraid,
    "disgusted": _disgusted,
}


def prototype_scores(degrees: np.ndarray) -> np.ndarray:
    """Per-emotion AU evidence (len(EMOTIONS),), 0-1, 'neutral' the complement of the rest."""
    scores = np.zeros(len(EMOTIONS), np.float32)
    for word, score in PROTOTYPES.items():
        scores[EMOTION_INDEX[word]] = np.clip(score(degrees), 0.0, 1.0)
    strongest = float(scores.max())
    scores[EMOTION_INDEX["neutral"]] = max(NEUTRAL_FLOOR * strongest, 1.0 - strongest)
    return scores


def to_distribution(scores: np.ndarray) -> np.ndarray:
    total = float(scores.sum())
    return scores / total if total > 0 else np.full_like(scores, 1.0 / len(scores))


def classifier_distribution(probabilities: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Re-order a backend's probabilities onto ``EMOTIONS`` (unknown labels are dropped)."""
    out = np.zeros(len(EMOTIONS), np.float32)
    for column, label in enumerate(labels):
        if label in EMOTION_INDEX:
            out[EMOTION_INDEX[label]] += probabilities[column]
    return to_distribution(out)


def fuse(au_scores: np.ndarray, classifier: np.ndarray | None) -> np.ndarray:
    """Per-frame fused distribution over ``EMOTIONS``; AU prototypes alone without a classifier."""
    au_dist = to_distribution(au_scores)
    if classifier is None:
        return au_dist
    au_part = np.maximum(au_dist, PROBABILITY_FLOOR) ** AU_WEIGHT
    classifier_part = np.maximum(classifier, PROBABILITY_FLOOR) ** (1 - AU_WEIGHT)
    return np.asarray(to_distribution(au_part * classifier_part), np.float32)
