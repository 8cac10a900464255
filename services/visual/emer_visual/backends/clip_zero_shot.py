"""open_clip zero-shot expression prompts on face crops: the GPU-cluster backend.

Each emotion word gets a few prompt templates ("a photo of a sad face."); their text
embeddings are averaged once at load (prompt ensembling), and a crop's probabilities are the
softmax of its scaled cosine similarities to them. Weights are read from a local checkpoint
(``EMER_VISUAL_CLIP_WEIGHTS_PATH``) and never downloaded. Without weights the backend starts
only when ``clip_allow_untrained`` is set, reports ``trained = False``, and the analyzer then
ignores its scores: an untrained model only tests the plumbing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from emer_common.contracts import ModelInfo
from emer_visual.settings import VisualSettings

log = logging.getLogger(__name__)

PROMPT_WORDS: dict[str, tuple[str, ...]] = {
    "happy": ("happy", "smiling"),
    "surprised": ("surprised", "astonished"),
    "sad": ("sad", "unhappy"),
    "angry": ("angry", "furious"),
    "worried": ("worried", "anxious"),
    "afraid": ("scared", "fearful"),
    "disgusted": ("disgusted", "repulsed"),
    "neutral": ("neutral", "calm"),
}
"""Adjectives per emotion word (base words of emer's vocabulary) filled into the templates."""
TEMPLATES: tuple[str, ...] = (
    "a photo of a {} face.",
    "a close-up photo of a {} person.",
    "a face with a {} expression.",
)


class ClipZeroShotBackend:
    """Zero-shot expression classifier over open_clip image/text embeddings."""

    name = "clip"
    labels = tuple(PROMPT_WORDS)

    def __init__(
        self,
        model: Any,
        preprocess: Any,
        tokenizer: Any,
        device: str,
        info: ModelInfo,
        trained: bool,
    ) -> None:
        import torch

        self._torch = torch
        self._model = model.eval().to(device)
        self._preprocess = preprocess
        self._device = device
        self._lock = threading.Lock()
        self.info = info
        self.trained = trained
        with torch.inference_mode():
            self._text = self._label_embeddings(tokenizer)

    @classmethod
    def from_settings(cls, settings: VisualSettings) -> ClipZeroShotBackend:
        """Create the model with ``open_clip.create_model_and_transforms`` from local weights."""
        weights = settings.clip_weights_path
        if weights is None and not settings.clip_allow_untrained:
            raise ValueError(
                "the 'clip' visual backend needs local weights: set EMER_VISUAL_CLIP_WEIGHTS_PATH "
                "to an open_clip checkpoint for EMER_VISUAL_CLIP_MODEL_NAME "
                f"({settings.clip_model_name})"
            )
        if weights is not None and not weights.is_file():
            raise FileNotFoundError(f"CLIP weights not found: {weights}")
        import open_clip
        import torch

        device = settings.clip_device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        model, _, preprocess = open_clip.create_model_and_transforms(
            settings.clip_model_name,
            pretrained=str(weights) if weights is not None else None,
            device=device,
        )
        tokenizer = open_clip.get_tokenizer(settings.clip_model_name)
        trained = weights is not None
        if not trained:
            log.warning(
                "open_clip %s created WITHOUT weights (untrained): scores are meaningless",
                settings.clip_model_name,
            )
        info = ModelInfo(
            component="expression_classifier",
            backend="open_clip",
            model=f"{settings.clip_model_name} ({weights.name if weights else 'untrained'})",
            version=f"open_clip {open_clip.__version__}",
        )
        return cls(model, preprocess, tokenizer, device, info, trained)

    def _label_embeddings(self, tokenizer: Any) -> Any:
        rows = []
        for words in PROMPT_WORDS.values():
            prompts = [t.format(w) for w in words for t in TEMPLATES]
            tokens = tokenizer(prompts).to(self._device)
            embedded = self._model.encode_text(tokens)
            embedded = embedded / embedded.norm(dim=-1, keepdim=True)
            mean = embedded.mean(dim=0)
            rows.append(mean / mean.norm())
        return self._torch.stack(rows)

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Softmax over the labels of the scaled image-text cosine similarity, one batch."""
        if not crops:
            return np.zeros((0, len(self.labels)), np.float32)
        from PIL import Image

        torch = self._torch
        batch = torch.stack([self._preprocess(Image.fromarray(c[..., :3])) for c in crops])
        with self._lock, torch.inference_mode():
            images = self._model.encode_image(batch.to(self._device))
            images = images / images.norm(dim=-1, keepdim=True)
            logits = self._model.logit_scale.exp() * images @ self._text.T
            probabilities = logits.softmax(dim=-1).float().cpu().numpy()
        return np.asarray(probabilities, np.float32)

    def close(self) -> None:
        """Drop the model so its (GPU) memory can be freed."""
        self._model = None
