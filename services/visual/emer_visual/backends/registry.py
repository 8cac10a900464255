"""Expression backends by name; ``VisualSettings.backend`` picks one.

Factories import their heavy modules lazily, so a CPU install never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable

from emer_visual.backends.base import ExpressionBackend
from emer_visual.settings import VisualSettings

BackendFactory = Callable[[VisualSettings], ExpressionBackend]


def _fer_tflite(settings: VisualSettings) -> ExpressionBackend:
    from emer_visual.backends.fer_tflite import FerTfliteBackend

    return FerTfliteBackend(settings.fer_model_path, settings.classifier_threads)


def _open_clip(settings: VisualSettings) -> ExpressionBackend:
    from emer_visual.backends.clip_zero_shot import ClipZeroShotBackend

    return ClipZeroShotBackend.from_settings(settings)


BACKENDS: dict[str, BackendFactory] = {"mediapipe": _fer_tflite, "clip": _open_clip}


def create_backend(settings: VisualSettings) -> ExpressionBackend:
    """The backend named by ``settings.backend``; ``ValueError`` names the known ones."""
    try:
        factory = BACKENDS[settings.backend]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(
            f"unknown visual backend {settings.backend!r}; set EMER_VISUAL_BACKEND to one of: "
            f"{known}"
        ) from None
    return factory(settings)
