"""What a modality's domain code returns; the service wraps it into a ``ClueReport``.

Domain functions return this plain value so they can be tested without a bus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emer_common.contracts import ClueStatus, ErrorInfo, Evidence, ModelInfo, Word


@dataclass(frozen=True)
class ModalityFindings:
    status: ClueStatus
    description: str
    cues: tuple[str, ...] = ()
    emotion_hints: dict[str, float] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    error: ErrorInfo | None = None
    models: tuple[ModelInfo, ...] = ()

    @classmethod
    def no_signal(
        cls, code: str, description: str, models: tuple[ModelInfo, ...] = ()
    ) -> ModalityFindings:
        """The modality ran and found nothing usable (no face, no audio track, no text)."""
        return cls(
            status=ClueStatus.NO_SIGNAL,
            description=description,
            error=ErrorInfo(code=code, message=description, permanent=True),
            models=models,
        )

    @classmethod
    def failed(cls, code: str, message: str) -> ModalityFindings:
        return cls(
            status=ClueStatus.ERROR,
            description="",
            error=ErrorInfo(code=code, message=message, permanent=True),
        )


@dataclass(frozen=True)
class SpeechTranscript:
    """ASR output of the audio domain code; the audio service publishes it for the text one."""

    text: str
    language: str | None
    words: tuple[Word, ...] = ()
    model: ModelInfo | None = None
