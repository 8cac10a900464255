"""Candidate emotion labels from the clues, and validation of labels an LLM proposes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from emer_common.contracts import ALL_MODALITIES, ClueReport, ClueStatus, Modality
from emer_common.vocabulary import EmotionVocabulary

MODALITY_WEIGHT: Mapping[Modality, float] = {
    Modality.VISUAL: 1.0,
    Modality.AUDIO: 0.8,  # prosody alone is the weakest single cue
    Modality.TEXT: 1.0,
}
SUPPORT_THRESHOLD = 0.2  # a modality supports a label when its hint is at least this strong
MIN_CANDIDATES = 4
FALLBACK_BY_VALENCE = {
    "positive": ("happy", "excited", "relaxed", "satisfied"),
    "negative": ("sad", "worried", "angry", "frustrated"),
    "neutral": ("neutral", "serious", "relaxed", "confused"),
}
MAX_LABEL_WORDS = 2
# a ``"labels": [...]`` list closed before the reply was cut off, and the explanation so far
TRUNCATED_LABELS = re.compile(r'"labels"\s*:\s*\[((?:\s*"(?:[^"\\]|\\.)*"\s*,?)*)\s*\]')
TRUNCATED_EXPLANATION = re.compile(r'"explanation"\s*:\s*"((?:[^"\\]|\\.)*"?)')
NEGATIONS = frozenset({"not", "no", "never", "without"})


@dataclass(frozen=True)
class Candidate:
    label: str
    evidence: float
    modalities: tuple[Modality, ...]


def collect_candidates(
    clues: Mapping[Modality, ClueReport], vocabulary: EmotionVocabulary
) -> list[Candidate]:
    """Emotion words the clues support, strongest first, padded to a small ranked set."""
    strength: dict[str, float] = {}
    support: dict[str, set[Modality]] = {}
    for modality, report in clues.items():
        if report.status is not ClueStatus.OK:
            continue
        for word, value in report.emotion_hints.items():
            base = vocabulary.normalize(word)
            if base is None:
                continue
            weighted = MODALITY_WEIGHT.get(modality, 1.0) * max(0.0, min(1.0, value))
            strength[base] = strength.get(base, 0.0) + weighted
            if value >= SUPPORT_THRESHOLD:
                support.setdefault(base, set()).add(modality)
    ordered = sorted(strength, key=lambda w: (-strength[w], w))
    candidates = [
        Candidate(w, strength[w], tuple(sorted(support.get(w, ()), key=_order))) for w in ordered
    ]
    if len(candidates) < MIN_CANDIDATES:
        mood = overall_valence(strength, vocabulary)
        for word in FALLBACK_BY_VALENCE[mood]:
            if word not in strength and len(candidates) < MIN_CANDIDATES:
                candidates.append(Candidate(word, 0.0, ()))
    return candidates


def overall_valence(strength: Mapping[str, float], vocabulary: EmotionVocabulary) -> str:
    total = sum(strength.values())
    if total <= 0:
        return "neutral"
    valence = sum((vocabulary.valence(w) or 0.0) * s for w, s in strength.items()) / total
    if valence > 0.15:
        return "positive"
    if valence < -0.15:
        return "negative"
    return "neutral"


def modality_valences(
    clues: Mapping[Modality, ClueReport], vocabulary: EmotionVocabulary
) -> dict[Modality, float]:
    """Mean valence of each modality's hints, for spotting conflicting clues."""
    result = {}
    for modality, report in clues.items():
        hints = {w: v for w, v in report.emotion_hints.items() if vocabulary.valence(w) is not None}
        total = sum(hints.values())
        if report.status is ClueStatus.OK and total > 0:
            result[modality] = sum((vocabulary.valence(w) or 0.0) * v for w, v in hints.items())
            result[modality] /= total
    return result


def supporting_modalities(
    label: str, clues: Mapping[Modality, ClueReport], vocabulary: EmotionVocabulary
) -> tuple[Modality, ...]:
    """Modalities whose hints name this label, or share its emotion family."""
    entry = vocabulary.get(label)
    found = set()
    for modality, report in clues.items():
        for word, value in report.emotion_hints.items():
            other = vocabulary.get(word)
            if other is None or value < SUPPORT_THRESHOLD or entry is None:
                continue
            if other.word == entry.word or other.family == entry.family:
                found.add(modality)
    return tuple(sorted(found, key=_order))


def parse_llm_reply(text: str) -> tuple[str, list[str]] | None:
    """Extract ``{"explanation": str, "labels": [str]}`` from a reply; None if impossible."""
    cleaned = re.sub(r"^```(?:json)?|```$", "", text.strip(), flags=re.MULTILINE)
    for match in re.finditer(r"\{", cleaned):
        depth = 0
        for end in range(match.start(), len(cleaned)):
            depth += {"{": 1, "}": -1}.get(cleaned[end], 0)
            if depth == 0:
                try:
                    data = json.loads(cleaned[match.start() : end + 1])
                except json.JSONDecodeError:
                    break
                if isinstance(data, dict) and isinstance(data.get("labels"), list):
                    explanation = str(data.get("explanation", "")).strip()
                    return explanation, [str(x) for x in data["labels"]]
                break
    return _truncated_reply(cleaned)


def _truncated_reply(text: str) -> tuple[str, list[str]] | None:
    """The labels of a JSON reply cut off by the token limit, when its list was complete.

    A small model often loops inside the explanation until ``max_new_tokens``; with the
    labels written first, they survive the cut.
    """
    labels = TRUNCATED_LABELS.search(text)
    if labels is None:
        return None
    explanation = TRUNCATED_EXPLANATION.search(text)
    complete = explanation is not None and explanation.group(1).endswith('"')
    return (
        explanation.group(1)[:-1] if explanation is not None and complete else "",
        re.findall(r'"((?:[^"\\]|\\.)*)"', labels.group(1)),
    )


def labels_from_prose(text: str, vocabulary: EmotionVocabulary) -> list[str]:
    """Emotion words of a reply that is not JSON, in order; negated ones ("not happy") skipped.

    The last repair for a small model, which answers "The person feels joy." whatever format
    it is asked for.
    """
    words = re.findall(r"[a-z]+(?:-[a-z]+)?", text.lower().replace("n't", " not"))
    labels: list[str] = []
    for i, word in enumerate(words):
        if i and words[i - 1] in NEGATIONS:
            continue
        base = vocabulary.normalize(word)
        if base and base not in labels:
            labels.append(base)
    return labels


def validate_labels(raw: Iterable[str], vocabulary: EmotionVocabulary) -> list[str]:
    """Lower-case base forms of real emotion words, deduplicated, no sentence fragments."""
    labels: list[str] = []
    for item in raw:
        for part in re.split(r"[,;/]| and ", item):
            words = part.strip().lower().split()
            if not words or len(words) > MAX_LABEL_WORDS:
                continue
            base = vocabulary.normalize(" ".join(words)) or vocabulary.normalize(words[-1])
            if base and base not in labels:
                labels.append(base)
    return labels


def _order(modality: Modality) -> int:
    return ALL_MODALITIES.index(modality)
