"""The text service's domain entry point: a subtitle or transcript in, text clues out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal, get_args

from emer_common.contracts import ClueStatus, ErrorInfo, Evidence, ModelInfo
from emer_common.findings import ModalityFindings
from emer_common.vocabulary import EmotionVocabulary
from emer_text.backends.base import TextBackend, TextInput, covers
from emer_text.backends.registry import create_backends
from emer_text.combine import combine
from emer_text.describe import describe, ordered_cues
from emer_text.injection import is_instruction_like
from emer_text.language import LanguageDetector, LanguageGuess
from emer_text.quoting import Quote, quote
from emer_text.sentences import normalize_space, split_sentences
from emer_text.settings import TextSettings

log = logging.getLogger(__name__)

Source = Literal["subtitle", "transcript"]
SOURCES: tuple[str, ...] = get_args(Source)
MAX_CUES = 12


class TextAnalyzer:
    """Loads its backends once; ``analyze`` is then called for every clip's text."""

    def __init__(
        self,
        backends: Sequence[TextBackend],
        detector: LanguageDetector,
        max_chars: int = 400,
        max_analyzed_chars: int = 20_000,
        vocabulary: EmotionVocabulary | None = None,
    ) -> None:
        self.backends = tuple(backends)
        self.detector = detector
        self.max_chars = max_chars
        self.max_analyzed_chars = max_analyzed_chars
        self.vocabulary = vocabulary or EmotionVocabulary.default()
        self.models: tuple[ModelInfo, ...] = (
            *(backend.info for backend in self.backends),
            detector.info,
        )

    @classmethod
    def from_settings(cls, settings: TextSettings) -> TextAnalyzer:
        """Build every configured backend and the language detector (once, at start)."""
        backends = create_backends(settings)
        detector = LanguageDetector(settings.language_min_confidence, settings.default_language)
        log.info("text backends loaded: %s", ", ".join(b.name for b in backends))
        return cls(backends, detector, settings.max_chars, settings.max_analyzed_chars)

    def analyze(
        self, text: str | None, source: str, language: str | None = None
    ) -> ModalityFindings:
        """Clues in one clip's ``source`` text ("subtitle" or "transcript"); ``language`` is a
        hint (the job's or the ASR's). The text is quoted as data, never followed."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        if text is None or not text.strip():
            return ModalityFindings.no_signal(
                "no_text", f"The {source} is empty: there is no text to read.", self.models
            )
        quoted = quote(text.strip(), self.max_chars)
        analyzed = normalize_space(text)[: self.max_analyzed_chars]
        guess = self.detector.detect(analyzed, language)
        sentences = split_sentences(analyzed)
        kept = tuple(s for s in sentences if not is_instruction_like(s))
        evidence = [
            Evidence(
                name="language",
                value=guess.code,
                confidence=round(guess.confidence, 3),
                norm=f"decided by {guess.method.value}",
            ),
            Evidence(name="characters", value=float(len(text.strip())), unit="chars"),
        ]
        notes: list[str] = []
        cues: list[str] = []
        if guess.code != "en":
            notes.append(f"The text is in {guess.name} ({guess.method.value}).")
        if len(kept) < len(sentences):
            dropped = len(sentences) - len(kept)
            notes.append(
                f"{dropped} of {len(sentences)} sentences read as instructions to an AI system; "
                "they are quoted as data only and were not scored."
            )
            cues.append("contains instruction-like text (quoted as data, not scored)")
            evidence.append(Evidence(name="instruction_like_sentences", value=float(dropped)))
        if len(text) > self.max_analyzed_chars:
            notes.append(f"Only the first {self.max_analyzed_chars} characters were scored.")
        active = [b for b in self.backends if covers(b, guess.code)]
        if not active:
            return self._uncovered(source, quoted, guess, notes, cues, evidence)
        if not kept:
            description = describe(source, quoted, None, (), 0, notes)
            return ModalityFindings(
                status=ClueStatus.OK,
                description=description,
                cues=tuple(cues),
                evidence=tuple(evidence),
                models=self.models,
            )
        reading_input = TextInput(text=" ".join(kept), language=guess.code, sentences=kept)
        combined = combine([b.read(reading_input) for b in active], self.vocabulary)
        cues.extend(ordered_cues(combined.cues))
        description = describe(source, quoted, combined.hints, combined.cues, len(kept), notes)
        return ModalityFindings(
            status=ClueStatus.OK,
            description=description,
            cues=tuple(dict.fromkeys(cues))[:MAX_CUES],
            emotion_hints=combined.hints,
            evidence=(*evidence, *combined.evidence),
            models=self.models,
        )

    def _uncovered(
        self,
        source: str,
        quoted: Quote,
        guess: LanguageGuess,
        notes: list[str],
        cues: list[str],
        evidence: list[Evidence],
    ) -> ModalityFindings:
        """Text in a language no backend reads: quoted for the reader, explicitly unscored."""
        message = (
            f"No configured text backend covers {guess.name} ({guess.code}); the words were not "
            "scored for emotion and are quoted for reading only."
        )
        return ModalityFindings(
            status=ClueStatus.OK,
            description=describe(source, quoted, None, (), 0, [*notes, message]),
            cues=(*cues, f"language not covered: {guess.code}"),
            evidence=tuple(evidence),
            error=ErrorInfo(code="language_unsupported", message=message, permanent=True),
            models=self.models,
        )
