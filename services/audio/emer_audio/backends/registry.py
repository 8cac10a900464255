"""The audio backends by name (``emer_common.registry``); the settings pick one of each kind."""

from __future__ import annotations

from emer_audio.backends.base import (
    SpeechEmotionClassifier,
    SpeechRecognizer,
    VoiceActivityDetector,
)
from emer_audio.settings import AudioSettings
from emer_common.registry import Registry

VAD_BACKENDS: Registry[AudioSettings, VoiceActivityDetector] = Registry(
    "VAD",
    {"silero": "emer_audio.backends.silero_vad:SileroVad"},
    setting="EMER_AUDIO_VAD_BACKEND",
)
ASR_BACKENDS: Registry[AudioSettings, SpeechRecognizer] = Registry(
    "ASR",
    {"faster-whisper": "emer_audio.backends.whisper_asr:FasterWhisperRecognizer"},
    setting="EMER_AUDIO_ASR_BACKEND",
)
EMOTION_BACKENDS: Registry[AudioSettings, SpeechEmotionClassifier] = Registry(
    "speech-emotion",
    {"transformers": "emer_audio.backends.transformers_emotion:TransformersSpeechEmotion"},
    setting="EMER_AUDIO_EMOTION_BACKEND",
)
