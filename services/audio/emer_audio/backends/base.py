"""The interfaces of the audio backends and the values they return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from emer_common.contracts import ModelInfo, Word
from emer_common.errors import ConfigurationError

FloatArray = npt.NDArray[np.float32]


class BackendConfigError(ConfigurationError, ValueError):
    """A backend is misconfigured (unknown name, missing model folder); the message says how
    to fix it."""


@dataclass(frozen=True)
class SpeechSegment:
    """A stretch of speech, in seconds from the start of the analysed window."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Recognition:
    """ASR output; word times are seconds from the start of the analysed window."""

    text: str
    language: str | None
    language_probability: float | None
    words: tuple[Word, ...]


class VoiceActivityDetector(Protocol):
    """Finds the speech in 16 kHz mono audio."""

    @property
    def info(self) -> ModelInfo: ...

    def detect(
        self, samples: FloatArray, sample_rate: int, threshold: float
    ) -> tuple[SpeechSegment, ...]: ...


class SpeechRecognizer(Protocol):
    """Transcribes 16 kHz mono audio with word timestamps."""

    @property
    def info(self) -> ModelInfo: ...

    def transcribe(self, samples: FloatArray, sample_rate: int) -> Recognition: ...


class SpeechEmotionClassifier(Protocol):
    """Scores emotion classes of a speech excerpt; keys are the model's own labels."""

    @property
    def info(self) -> ModelInfo: ...

    def classify(self, samples: FloatArray, sample_rate: int) -> dict[str, float]: ...
