"""Emotion labels from a free-text explanation, so that explanations without labels can be scored.

Two extractors behind one Protocol, chosen by name (``build_extractor``):

- ``LLMLabelExtractor``: asks an ``LLMBackend`` with the versioned ``extract-labels`` prompt
  (the MER2025 approach) and validates the reply;
- ``LexiconLabelExtractor``: deterministic, offline: finds emer vocabulary words (forms and
  synonyms) in the text, skipping negated ones ("does not look angry") and words that are too
  ambiguous in running prose ("the content of the subtitle", "a low voice").

``FallbackLabelExtractor`` tries one and falls back to the other ("llm+lexicon").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from emer_common.errors import ConfigurationError, EmerError, UnknownNameError
from emer_common.llm.base import BackendError, GenerationOptions, LLMBackend
from emer_common.vocabulary import EmotionVocabulary
from emer_scoring.label_lists import LabelListError, parse_strict_list, parse_wheel_list
from emer_scoring.prompts import Language, load_prompt

log = logging.getLogger(__name__)

EXTRACT_TASK = "extract-labels"
EXTRACT_MAX_NEW_TOKENS = 96
MAX_LABELS = 8
MAX_LABEL_WORDS = 4
NEGATION_WINDOW = 3  # tokens before a match that can negate it
NEGATORS = frozenset({"not", "no", "never", "without", "hardly", "nor", "neither", "barely"})
SCOPE_BREAKERS = frozenset({"but", "yet", "although", "though", "however", "while", "instead"})
CLAUSE_END = re.compile(r"[.;:!?,()\[\]\n]+")
AMBIGUOUS_IN_PROSE = frozenset(
    {
        "content", "down", "low", "heavy", "heaviness", "easy", "steady", "question", "trouble",
        "sure", "strong", "powerful", "cross", "blue", "passive", "urgent", "kind", "think",
        "thinking", "attention", "focus", "care", "accept", "agree", "wonder", "resolve",
        "firm", "interest", "concern",
    }
)  # fmt: skip
TOKEN = re.compile(r"[a-z]+(?:['-][a-z]+)*")
LABEL = re.compile(r"^[a-z][a-z' -]{0,38}[a-z]$")
BRACKETED = re.compile(r"\[[^\[\]]*\]")


class ExtractionError(EmerError, ValueError):
    """The extractor could not read labels from its model's reply (kept as ``raw_reply``)."""

    def __init__(self, message: str, raw_reply: str = "") -> None:
        super().__init__(message)
        self.raw_reply = raw_reply


@dataclass(frozen=True)
class ExtractedLabels:
    """Labels found in a text, with how they were found."""

    labels: tuple[str, ...]
    method: str
    model: str | None = None
    prompt_version: str | None = None
    raw_reply: str | None = None


class LabelExtractor(Protocol):
    def extract(self, text: str) -> ExtractedLabels: ...


class LexiconLabelExtractor:
    """Vocabulary words found in the text, in order of first appearance, as base words."""

    def __init__(self, vocabulary: EmotionVocabulary | None = None) -> None:
        self.vocabulary = vocabulary or EmotionVocabulary.default()
        phrases = {**self.vocabulary.synonyms(), **self.vocabulary.forms()}
        self._phrases = {
            tuple(phrase.split()): base
            for phrase, base in phrases.items()
            if phrase and phrase not in AMBIGUOUS_IN_PROSE
        }
        self._longest = max((len(p) for p in self._phrases), default=1)

    def extract(self, text: str) -> ExtractedLabels:
        found: list[str] = []
        for clause in CLAUSE_END.split(text.lower()):
            tokens = TOKEN.findall(clause)
            i = 0
            while i < len(tokens):
                match = self._match(tokens, i)
                if match is None:
                    i += 1
                    continue
                base, length = match
                if not self._negated(tokens, i) and base not in found:
                    found.append(base)
                i += length
        return ExtractedLabels(tuple(found[:MAX_LABELS]), method="lexicon")

    def _match(self, tokens: list[str], start: int) -> tuple[str, int] | None:
        for n in range(min(self._longest, len(tokens) - start), 0, -1):
            base = self._phrases.get(tuple(tokens[start : start + n]))
            if base is not None:
                return base, n
        token = tokens[start]
        if token in AMBIGUOUS_IN_PROSE:
            return None
        base = self.vocabulary.normalize(token)  # suffix rules: "calmly", "worries"
        return (base, 1) if base is not None else None

    @staticmethod
    def _negated(tokens: list[str], start: int) -> bool:
        """A negator shortly before the match, in the same clause and not behind a "but"."""
        for token in reversed(tokens[max(0, start - NEGATION_WINDOW) : start]):
            if token in SCOPE_BREAKERS:
                return False
            if token in NEGATORS or token.endswith("n't"):
                return True
        return False


def clean_labels(raw: tuple[str, ...]) -> tuple[str, ...]:
    """Lower-cased, de-duplicated labels that look like emotion words or short phrases."""
    labels: list[str] = []
    for item in raw:
        label = " ".join(item.lower().strip(" .;:!?\"'`").split())
        if LABEL.match(label) and len(label.split()) <= MAX_LABEL_WORDS and label not in labels:
            labels.append(label)
    return tuple(labels[:MAX_LABELS])


def parse_label_reply(reply: str) -> tuple[str, ...]:
    """Labels from a reply holding a bracketed list (``["worried", "tired"]`` or ``[]``)."""
    found = BRACKETED.search(reply)
    if found is None:
        raise ExtractionError("no bracketed list in the reply", reply)
    try:
        raw = parse_strict_list(found.group(0))
    except LabelListError:
        raw = parse_wheel_list(found.group(0))
    return clean_labels(raw)


class LLMLabelExtractor:
    """Labels an LLM reads from the text with the versioned ``extract-labels`` prompt."""

    def __init__(
        self,
        backend: LLMBackend,
        language: Language = "en",
        prompt_version: str = "v1",
        temperature: float = 0.0,
    ) -> None:
        self.backend = backend
        self.prompt = load_prompt(EXTRACT_TASK, prompt_version, language)
        self.options = GenerationOptions(
            max_new_tokens=EXTRACT_MAX_NEW_TOKENS, temperature=temperature
        )

    def extract(self, text: str) -> ExtractedLabels:
        generation = self.backend.generate(self.prompt.messages(text=text), self.options)
        return ExtractedLabels(
            labels=parse_label_reply(generation.text),
            method="llm",
            model=self.backend.info.model,
            prompt_version=f"{self.prompt.version}:{self.prompt.digest}",
            raw_reply=generation.text,
        )


class FallbackLabelExtractor:
    """``primary`` first; ``fallback`` when it fails for good or finds nothing.

    A transient ``BackendError`` propagates, so that the caller retries later instead of
    scoring with a different method.
    """

    def __init__(self, primary: LabelExtractor, fallback: LabelExtractor) -> None:
        self.primary = primary
        self.fallback = fallback

    def extract(self, text: str) -> ExtractedLabels:
        try:
            result = self.primary.extract(text)
            if result.labels:
                return result
            reason = "no labels"
        except BackendError as exc:
            if exc.transient:
                raise
            reason = f"backend error: {exc}"
        except ExtractionError as exc:
            reason = str(exc)
        log.info("label extraction falls back (%s)", reason)
        return self.fallback.extract(text)


ExtractorFactory = Callable[[LLMBackend | None, Language], LabelExtractor]


def _needs_backend(backend: LLMBackend | None) -> LLMBackend:
    if backend is None:
        raise ConfigurationError("this label extractor needs an LLM backend")
    return backend


ExtractorName = Literal["lexicon", "llm", "llm+lexicon"]
"""The names in ``EXTRACTORS``."""

EXTRACTORS: Mapping[str, ExtractorFactory] = {
    "lexicon": lambda backend, language: LexiconLabelExtractor(),
    "llm": lambda backend, language: LLMLabelExtractor(_needs_backend(backend), language),
    "llm+lexicon": lambda backend, language: FallbackLabelExtractor(
        LLMLabelExtractor(_needs_backend(backend), language), LexiconLabelExtractor()
    ),
}


def build_extractor(
    name: str, backend: LLMBackend | None = None, language: Language = "en"
) -> LabelExtractor:
    """The extractor called ``name`` (see ``EXTRACTORS``)."""
    if name not in EXTRACTORS:
        raise UnknownNameError("label extractor (EMER_SCORING_LABEL_EXTRACTOR)", name, EXTRACTORS)
    return EXTRACTORS[name](backend, language)
