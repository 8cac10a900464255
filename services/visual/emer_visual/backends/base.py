"""The expression-classifier interface: face crops in, probabilities over emotion words out.

Face detection, action units and head movement are shared by every backend (MediaPipe);
a backend only adds an independent reading of the expression from the face crop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from emer_common.contracts import ModelInfo


@runtime_checkable
class ExpressionBackend(Protocol):
    """Classifies face crops; loaded once per process."""

    name: str
    labels: tuple[str, ...]
    """Base words of ``EmotionVocabulary.default()``, one per output column."""
    info: ModelInfo
    trained: bool
    """False for plumbing tests with untrained weights: the analyzer then ignores the scores."""

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Probabilities, shape (len(crops), len(labels)), rows summing to 1.

        ``crops`` are square RGB uint8 face crops of any size.
        """
        ...

    def close(self) -> None:
        """Release the model."""
        ...
