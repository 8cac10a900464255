"""Name -> factory registries that pick a backend from the settings.

Factories import their heavy libraries lazily, so a CPU install never imports the code of a
backend it does not use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from emer_audio.backends.base import (
    BackendConfigError,
    SpeechEmotionClassifier,
    SpeechRecognizer,
    VoiceActivityDetector,
)
from emer_audio.settings import AudioSettings

T = TypeVar("T")
Factory = Callable[[AudioSettings], T]


class Registry(Generic[T]):
    """Backends of one kind, by name."""

    def __init__(self, kind: str, env_var: str) -> None:
        self.kind = kind
        self.env_var = env_var
        self._factories: dict[str, Factory[T]] = {}

    def register(self, name: str) -> Callable[[Factory[T]], Factory[T]]:
        def add(factory: Factory[T]) -> Factory[T]:
            self._factories[name] = factory
            return factory

        return add

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))

    def create(self, name: str, settings: AudioSettings) -> T:
        factory = self._factories.get(name)
        if factory is None:
            raise BackendConfigError(
                f"unknown {self.kind} backend {name!r}; set {self.env_var} to one of "
                f"{', '.join(self.names)}"
            )
        return factory(settings)


VAD_BACKENDS: Registry[VoiceActivityDetector] = Registry("VAD", "EMER_AUDIO_VAD_BACKEND")
ASR_BACKENDS: Registry[SpeechRecognizer] = Registry("ASR", "EMER_AUDIO_ASR_BACKEND")
EMOTION_BACKENDS: Registry[SpeechEmotionClassifier] = Registry(
    "speech-emotion", "EMER_AUDIO_EMOTION_BACKEND"
)


@VAD_BACKENDS.register("silero")
def _silero(settings: AudioSettings) -> VoiceActivityDetector:
    from emer_audio.backends.silero_vad import SileroVad

    return SileroVad()


@ASR_BACKENDS.register("faster-whisper")
def _faster_whisper(settings: AudioSettings) -> SpeechRecognizer:
    from emer_audio.backends.whisper_asr import FasterWhisperRecognizer

    return FasterWhisperRecognizer.from_settings(settings)


@EMOTION_BACKENDS.register("transformers")
def _transformers(settings: AudioSettings) -> SpeechEmotionClassifier:
    from emer_audio.backends.transformers_emotion import TransformersSpeechEmotion

    return TransformersSpeechEmotion.from_settings(settings)
