"""The interface every text backend implements, and the value it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from emer_common.contracts import Evidence, ModelInfo
from emer_common.errors import ConfigurationError

ANY_LANGUAGE = "*"


class CueKind(StrEnum):
    """Linguistic cues that annotators cite in EMER explanations."""

    NEGATION = "negation"
    INTENSIFIER = "intensifier"
    DIMINISHER = "diminisher"
    QUESTION = "question"
    EXCLAMATION = "exclamation"
    APOLOGY = "apology"
    THANKS = "thanks"
    REFUSAL = "refusal"
    HOSTILITY = "hostility"
    SARCASM = "sarcasm"
    ADDRESS = "address"
    INTERJECTION = "interjection"
    WORRY = "worry"
    EMOTION_WORD = "emotion_word"
    SENTIMENT = "sentiment"


@dataclass(frozen=True)
class LinguisticCue:
    """One cue found in the text: its kind, the words that show it, and a phrase for people."""

    kind: CueKind
    text: str
    phrase: str


@dataclass(frozen=True)
class TextInput:
    """What a backend reads: the text to score (instruction-like sentences already removed)."""

    text: str
    language: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Reading:
    """One backend's reading of a text.

    ``hints`` maps base words of ``EmotionVocabulary.default()`` to 0-1 strengths.
    ``negated`` lists base words the text explicitly negates ("not happy"), so that the
    combination can discount backends that cannot see negation.
    """

    backend: str
    hints: dict[str, float] = field(default_factory=dict)
    valence: float | None = None
    cues: tuple[LinguisticCue, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    negated: frozenset[str] = frozenset()
    sees_negation: bool = False


@runtime_checkable
class TextBackend(Protocol):
    """A loaded model or lexicon. Built once at service start, then called per text."""

    name: str
    languages: frozenset[str]
    info: ModelInfo

    def read(self, text: TextInput) -> Reading:
        """Score one text; must not keep per-call state."""
        ...


def covers(backend: TextBackend, language: str) -> bool:
    """Whether a backend reads text in ``language`` (an ISO 639-1 code)."""
    return ANY_LANGUAGE in backend.languages or language in backend.languages


class BackendUnavailable(ConfigurationError):
    """A configured backend cannot be loaded (missing model path, unwritable package dir)."""
