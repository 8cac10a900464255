"""Text-only agreement with a discrete reference label (EMER-V1 / MER2023's five classes).

The analyzer's hints are open-vocabulary; to compare them with a five-class label, the
strongest hint is mapped through its vocabulary family (Plutchik's petals) onto the classes.
Used by ``text_emer_v1.py`` only, so it lives next to it rather than in the service.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from emer_common.vocabulary import EmotionVocabulary

FIVE_CLASSES: tuple[str, ...] = ("angry", "happy", "worried", "sad", "surprise")

FAMILY_TO_CLASS: Mapping[str, str] = {
    "anger": "angry",
    "disgust": "angry",
    "joy": "happy",
    "trust": "happy",
    "fear": "worried",
    "sadness": "sad",
    "surprise": "surprise",
}
"""Anticipation goes by valence: hopeful reads as happy, doubtful as worried; neutral abstains."""


def to_five_class(hints: Mapping[str, float], vocabulary: EmotionVocabulary) -> str | None:
    """The class of the strongest hint, or None (no hint, or the strongest is neutral)."""
    if not hints:
        return None
    entry = vocabulary.get(max(hints, key=lambda word: hints[word]))
    if entry is None or entry.family == "neutral":
        return None
    if entry.family == "anticipation":
        return "happy" if entry.valence >= 0 else "worried"
    return FAMILY_TO_CLASS.get(entry.family)


@dataclass(frozen=True)
class ClassAgreement:
    label: str
    support: int  # clips with this reference label
    correct: int

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 0.0


@dataclass(frozen=True)
class AgreementReport:
    total: int
    correct: int
    abstained: int  # clips with no prediction (no text, or nothing emotional found)
    per_class: tuple[ClassAgreement, ...]
    majority_label: str
    majority_accuracy: float
    answered_majority_accuracy: float  # always-majority on the clips that got a prediction

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def answered_accuracy(self) -> float:
        """Agreement on the clips that got a prediction (abstentions left out)."""
        answered = self.total - self.abstained
        return self.correct / answered if answered else 0.0

    @property
    def mean_class_recall(self) -> float:
        present = [c.recall for c in self.per_class if c.support]
        return sum(present) / len(present) if present else 0.0


def agreement(predictions: Sequence[str | None], references: Sequence[str]) -> AgreementReport:
    """Accuracy over all clips (an abstention counts as wrong), per-class recall, and the
    majority-class baseline on the same references."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    if not references:
        raise ValueError("no references")
    counts = Counter(references)
    majority_label, majority_count = counts.most_common(1)[0]
    correct_by_class = Counter(
        ref for pred, ref in zip(predictions, references, strict=True) if pred == ref
    )
    answered = [ref for pred, ref in zip(predictions, references, strict=True) if pred is not None]
    labels = [label for label in FIVE_CLASSES if label in counts] + sorted(
        set(counts) - set(FIVE_CLASSES)
    )
    return AgreementReport(
        total=len(references),
        correct=sum(correct_by_class.values()),
        abstained=sum(pred is None for pred in predictions),
        per_class=tuple(ClassAgreement(x, counts[x], correct_by_class[x]) for x in labels),
        majority_label=majority_label,
        majority_accuracy=majority_count / len(references),
        answered_majority_accuracy=(
            sum(ref == majority_label for ref in answered) / len(answered) if answered else 0.0
        ),
    )
