"""A reference-style explanation assembled from the clue descriptions and the chosen labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from emer_common.contracts import ALL_MODALITIES, ClueReport, ClueStatus, EmotionLabel, Modality
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.labels import modality_valences

CONFLICT_GAP = 0.6  # valence difference between two modalities that counts as a conflict
MODALITY_NOUN = {Modality.VISUAL: "facial", Modality.AUDIO: "vocal", Modality.TEXT: "verbal"}


def compose_explanation(
    clues: Mapping[Modality, ClueReport],
    missing: Sequence[Modality],
    labels: Sequence[EmotionLabel],
    vocabulary: EmotionVocabulary,
) -> str:
    parts: list[str] = []
    for modality in ALL_MODALITIES:
        report = clues.get(modality)
        if modality in missing or report is None:
            parts.append(f"No {modality.value} clues were available for this clip.")
        elif report.status is ClueStatus.OK and report.description:
            parts.append(report.description.strip())
        else:
            reason = report.error.message if report.error else report.description
            parts.append(f"The {modality.value} analysis found no usable clues ({reason}).")
    parts.extend(_conflicts(clues, vocabulary))
    if labels:
        words = [label.label for label in labels]
        listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        parts.append(f"Based on these clues, the person most likely feels {listed}.")
    else:
        parts.append("The clues carry no clear emotional signal.")
    return " ".join(parts)


def _conflicts(clues: Mapping[Modality, ClueReport], vocabulary: EmotionVocabulary) -> list[str]:
    valences = modality_valences(clues, vocabulary)
    positive = [m for m, v in valences.items() if v > 0.2]
    negative = [m for m, v in valences.items() if v < -0.2]
    if not positive or not negative:
        return []
    if max(valences[m] for m in positive) - min(valences[m] for m in negative) < CONFLICT_GAP:
        return []
    pos = " and ".join(MODALITY_NOUN[m] for m in positive)
    neg = " and ".join(MODALITY_NOUN[m] for m in negative)
    return [
        f"The {pos} clues suggest a positive state while the {neg} clues suggest a negative "
        "one, so the emotion is mixed or the positive signs may be masking it."
    ]
