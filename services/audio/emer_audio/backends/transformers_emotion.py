"""Speech-emotion classification with a local transformers audio-classification model.

For GPU clusters: any ``AutoModelForAudioClassification`` checkpoint (wav2vec2, HuBERT,
WavLM, ... fine-tuned on emotion classes) in a local folder. Nothing is downloaded; the folder
must hold the config, the feature extractor and the weights. torch and transformers are
imported only when this backend is configured.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from pathlib import Path
from typing import Any

from emer_audio.backends.base import BackendConfigError, FloatArray
from emer_audio.settings import AudioSettings
from emer_common.contracts import ModelInfo

log = logging.getLogger(__name__)

MAX_INPUT_S = 30.0  # s; longer windows are classified on their first 30 s to bound memory


class TransformersSpeechEmotion:
    """A loaded classifier in inference mode; returns the model's own label -> probability."""

    def __init__(self, extractor: Any, model: Any, device: str, info: ModelInfo) -> None:
        self._extractor = extractor
        self._model = model
        self._device = device
        self._info = info
        self.labels: dict[int, str] = {int(k): str(v) for k, v in model.config.id2label.items()}

    @classmethod
    def from_settings(cls, settings: AudioSettings) -> TransformersSpeechEmotion:
        path = settings.emotion_model_path
        if path is None or not Path(path).is_dir():
            raise BackendConfigError(
                "EMER_AUDIO_EMOTION_BACKEND=transformers needs EMER_AUDIO_EMOTION_MODEL_PATH, "
                f"a local folder with an audio-classification model (got {path})"
            )
        from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

        log.info("loading speech-emotion model %s on %s", path, settings.emotion_device)
        extractor = AutoFeatureExtractor.from_pretrained(  # type: ignore[no-untyped-call]
            str(path), local_files_only=True
        )
        model = AutoModelForAudioClassification.from_pretrained(str(path), local_files_only=True)
        model.eval().to(settings.emotion_device)
        info = ModelInfo(
            component="speech_emotion",
            backend="transformers",
            model=f"{Path(path).name} ({model.config.model_type})",
            version=version("transformers"),
        )
        return cls(extractor, model, settings.emotion_device, info)

    @property
    def info(self) -> ModelInfo:
        return self._info

    def classify(self, samples: FloatArray, sample_rate: int) -> dict[str, float]:
        import torch

        expected = getattr(self._extractor, "sampling_rate", sample_rate)
        if expected != sample_rate:
            raise ValueError(f"the emotion model expects {expected} Hz, got {sample_rate} Hz")
        excerpt = samples[: int(MAX_INPUT_S * sample_rate)]
        inputs = self._extractor(excerpt, sampling_rate=sample_rate, return_tensors="pt")
        inputs = {name: tensor.to(self._device) for name, tensor in inputs.items()}
        with torch.inference_mode():
            logits = self._model(**inputs).logits[0].float()
        probabilities = torch.softmax(logits, dim=-1).cpu().tolist()
        return {self.labels.get(i, str(i)): float(p) for i, p in enumerate(probabilities)}
