"""Merging one clip's clue reports into an explanation and open-vocabulary labels.

Two strategies share one result type:
- grounded (default for in-process models): candidate emotion words come from the clues'
  evidence; the LLM ranks them by likelihood after the clues, and both signals are combined.
  A 135M model cannot write reliable free text, but it can rank words given the evidence.
- generative (for capable served models): the LLM writes the explanation and labels as
  JSON, which is parsed, validated and repaired, and falls back to grounded labels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, get_args

from emer_common.contracts import (
    ClueReport,
    EmotionLabel,
    ErrorInfo,
    Modality,
    ModelInfo,
)
from emer_common.llm.base import BackendError, ChatMessage, GenerationOptions, LLMBackend
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.explanation import compose_explanation
from emer_fusion.labels import (
    Candidate,
    collect_candidates,
    labels_from_prose,
    parse_llm_reply,
    supporting_modalities,
    validate_labels,
)
from emer_fusion.prompts import PromptTemplate, clue_blocks
from emer_fusion.settings import Strategy

EVIDENCE_WEIGHT = 0.6  # share of the final label score that comes from the clues' own hints
LABEL_KEEP_RATIO = 0.5  # keep labels scoring at least this fraction of the best one
GENERATION_TOKENS = 320
REPAIR_ATTEMPTS = 1
ABSENCE_LABELS = frozenset({"neutral"})


@dataclass(frozen=True)
class FusionOutput:
    explanation: str
    labels: tuple[EmotionLabel, ...]
    models: tuple[ModelInfo, ...]
    prompt_version: str
    errors: tuple[ErrorInfo, ...] = ()


class ClipFuser(Protocol):
    """What the fusion service needs: a single ``Fuser`` or an ``EnsembleFuser``."""

    vocabulary: EmotionVocabulary

    def fuse(
        self, clues: Mapping[Modality, ClueReport], missing: tuple[Modality, ...] = ()
    ) -> FusionOutput: ...


class Fuser:
    def __init__(
        self,
        backend: LLMBackend,
        prompt: PromptTemplate,
        vocabulary: EmotionVocabulary,
        strategy: Strategy = "grounded",
        max_labels: int = 4,
        seed: int = 0,
        temperature: float = 0.0,
    ) -> None:
        if strategy not in get_args(Strategy):
            raise ValueError(f"unknown fusion strategy {strategy!r}: use grounded or generative")
        self.backend = backend
        self.prompt = prompt
        self.vocabulary = vocabulary
        self.strategy = strategy
        self.max_labels = max_labels
        self.options = GenerationOptions(
            max_new_tokens=GENERATION_TOKENS, temperature=temperature, seed=seed, json_mode=True
        )

    def fuse(
        self, clues: Mapping[Modality, ClueReport], missing: tuple[Modality, ...] = ()
    ) -> FusionOutput:
        messages = self.prompt.messages(clue_blocks(clues, missing))
        candidates = collect_candidates(clues, self.vocabulary)
        errors: list[ErrorInfo] = []
        explanation = ""
        if self.strategy == "generative":
            explanation, labels, error = self._generate(messages, clues)
            if error:
                errors.append(error)
            if not labels:
                labels = self._rank(messages, candidates, clues, errors)
        else:
            labels = self._rank(messages, candidates, clues, errors)
        if not explanation:
            explanation = compose_explanation(clues, missing, labels, self.vocabulary)
        if not labels:
            errors.append(
                ErrorInfo(
                    code="no_labels",
                    message="no clue carried emotion evidence and the LLM gave no usable label",
                )
            )
        return FusionOutput(
            explanation=explanation,
            labels=tuple(labels),
            models=(self.backend.info,),
            prompt_version=self.prompt.version,
            errors=tuple(errors),
        )

    def _rank(
        self,
        messages: list[ChatMessage],
        candidates: list[Candidate],
        clues: Mapping[Modality, ClueReport],
        errors: list[ErrorInfo],
    ) -> list[EmotionLabel]:
        if not candidates:
            return []
        words = [c.label for c in candidates]
        try:
            logprobs = self.backend.score_candidates(messages, self.prompt.ranking_prefix, words)
            llm = _softmax(logprobs)
        except BackendError as error:
            if error.transient:
                raise
            llm = [0.0] * len(words)
        top_evidence = max(c.evidence for c in candidates) or 1.0
        combined = [
            EVIDENCE_WEIGHT * c.evidence / top_evidence + (1 - EVIDENCE_WEIGHT) * p
            for c, p in zip(candidates, llm, strict=True)
        ]
        ranked = sorted(zip(combined, candidates, strict=True), key=lambda x: (-x[0], x[1].label))
        best = ranked[0][0]
        kept = [(s, c) for s, c in ranked[: self.max_labels] if s >= LABEL_KEEP_RATIO * best]
        emotional = [(s, c) for s, c in kept if c.label not in ABSENCE_LABELS]
        # A still face reads as "neutral": absence of a cue, not a cue. It is a label only
        # when nothing else in the clip carries an emotion.
        return [
            EmotionLabel(
                label=c.label,
                score=round(score, 4),
                modalities=c.modalities or supporting_modalities(c.label, clues, self.vocabulary),
            )
            for score, c in (emotional or kept)
        ]

    def _generate(
        self, messages: list[ChatMessage], clues: Mapping[Modality, ClueReport]
    ) -> tuple[str, list[EmotionLabel], ErrorInfo | None]:
        conversation = list(messages)
        replies: list[str] = []
        for _attempt in range(REPAIR_ATTEMPTS + 1):
            reply = self.backend.generate(conversation, self.options).text
            replies.append(reply)
            parsed = parse_llm_reply(reply)
            if parsed is not None:
                explanation, raw_labels = parsed
                labels = validate_labels(raw_labels, self.vocabulary)[: self.max_labels]
                if labels:
                    return explanation, self._generated(labels, clues), None
            conversation += [
                ChatMessage("assistant", reply),
                ChatMessage(
                    "user",
                    'That was not valid. Reply with only {"labels": ["emotion", ...], '
                    '"explanation": "..."} using real emotion adjectives such as "worried".',
                ),
            ]
        # a small model answers in prose whatever it is asked: its first answer's emotion
        # words are still its answer (the explanation is then composed from the clues)
        prose = labels_from_prose(replies[0], self.vocabulary)[: self.max_labels]
        if prose:
            return (
                "",
                self._generated(prose, clues),
                ErrorInfo(
                    code="llm_output_prose",
                    message="the LLM replied in prose, not JSON; its emotion words were taken "
                    f"as labels: {replies[0][:200]!r}",
                    permanent=False,
                ),
            )
        return (
            "",
            [],
            ErrorInfo(
                code="llm_output_invalid",
                message=f"LLM reply could not be parsed into labels: {replies[-1][:200]!r}",
                permanent=False,
            ),
        )

    def _generated(
        self, labels: list[str], clues: Mapping[Modality, ClueReport]
    ) -> list[EmotionLabel]:
        """The LLM's labels in its order, scored by rank."""
        return [
            EmotionLabel(
                label=label,
                score=round(1.0 - i / (len(labels) + 1), 4),
                modalities=supporting_modalities(label, clues, self.vocabulary),
            )
            for i, label in enumerate(labels)
        ]


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]
