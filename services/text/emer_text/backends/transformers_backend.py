"""A transformers text-classification model (GoEmotions-style or multilingual), for clusters.

The model is read from a local directory only (``EMER_TEXT_TRANSFORMERS_MODEL_PATH``, e.g. a
volume the Helm chart mounts); nothing is downloaded at run time. Its labels are mapped onto
emer's vocabulary; labels the vocabulary does not know are kept as evidence only.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from pathlib import Path
from typing import Any

from emer_common.contracts import Evidence, ModelInfo
from emer_common.vocabulary import EmotionVocabulary
from emer_text.backends.base import BackendUnavailable, Reading, TextInput
from emer_text.settings import TextSettings

log = logging.getLogger(__name__)

LABEL_ALIASES = {
    "joy": "happy",
    "happiness": "happy",
    "approval": "pleased",
    "caring": "loving",
    "desire": "anticipating",
    "disapproval": "dissatisfied",
    "realization": "surprised",
    "nervousness": "nervous",
    "embarrassment": "shy",
    "grief": "hurt",
    "remorse": "guilty",
    "fear": "afraid",
    "neutral": "neutral",
    "others": "neutral",
}
"""Classifier labels (GoEmotions, Ekman-style multilingual sets) whose closest vocabulary
base word differs from what the vocabulary's own forms give."""


def label_to_word(label: str, vocabulary: EmotionVocabulary) -> str | None:
    """The vocabulary base word for a classifier label, or None when it has no meaning here."""
    cleaned = label.strip().lower()
    return LABEL_ALIASES.get(cleaned) or vocabulary.canonical(cleaned)


class TransformersBackend:
    """``pipeline("text-classification", top_k=None)`` over a local model directory."""

    name = "transformers"

    def __init__(
        self,
        model_path: Path,
        device: str = "cpu",
        languages: tuple[str, ...] = ("en",),
        max_tokens: int = 512,
        vocabulary: EmotionVocabulary | None = None,
    ) -> None:
        if not (model_path / "config.json").is_file():
            raise BackendUnavailable(
                f"no transformers model at {model_path} (config.json missing); set "
                "EMER_TEXT_TRANSFORMERS_MODEL_PATH to a local model directory"
            )
        import torch
        from transformers import pipeline

        self._pipeline: Any = pipeline(
            "text-classification",
            model=str(model_path),
            tokenizer=str(model_path),
            top_k=None,
            device=torch.device(device),
            local_files_only=True,
        )
        # from_pretrained returns the model in eval mode; scores() adds inference_mode.
        self._max_tokens = max_tokens
        self._vocabulary = vocabulary or EmotionVocabulary.default()
        self.languages = frozenset(languages)
        labels = [str(label) for label in (self._pipeline.model.config.id2label or {}).values()]
        unmapped = [label for label in labels if label_to_word(label, self._vocabulary) is None]
        if unmapped:
            log.warning("labels outside emer's vocabulary (evidence only): %s", unmapped)
        self.info = ModelInfo(
            component="text",
            backend=self.name,
            model=model_path.name,
            version=f"transformers {version('transformers')}",
        )

    @classmethod
    def from_settings(cls, settings: TextSettings) -> TransformersBackend:
        if settings.transformers_model_path is None:
            raise BackendUnavailable(
                "the 'transformers' text backend needs EMER_TEXT_TRANSFORMERS_MODEL_PATH"
            )
        return cls(
            settings.transformers_model_path,
            settings.transformers_device,
            settings.transformers_languages,
            settings.transformers_max_tokens,
        )

    def scores(self, text: str) -> dict[str, float]:
        """Every label's score for one text (softmax or sigmoid, as the model's config says)."""
        import torch

        with torch.inference_mode():
            output = self._pipeline(text, truncation=True, max_length=self._max_tokens)
        rows = output[0] if output and isinstance(output[0], list) else output
        return {str(row["label"]): float(row["score"]) for row in rows}

    def read(self, text: TextInput) -> Reading:
        scores = self.scores(text.text)
        hints: dict[str, float] = {}
        for label, score in scores.items():
            word = label_to_word(label, self._vocabulary)
            if word is not None:
                hints[word] = max(hints.get(word, 0.0), round(score, 4))
        return Reading(
            backend=self.name,
            hints=hints,
            evidence=tuple(
                Evidence(name=f"transformers_{label}", value=round(score, 4), norm="0-1")
                for label, score in sorted(scores.items(), key=lambda item: -item[1])
            ),
            sees_negation=True,  # a contextual model reads "not happy" as a whole
        )
