"""Expression backends by name (``emer_common.registry``); ``VisualSettings.backend`` picks one."""

from __future__ import annotations

from emer_common.registry import Registry
from emer_visual.backends.base import ExpressionBackend
from emer_visual.settings import VisualSettings

BACKENDS: Registry[VisualSettings, ExpressionBackend] = Registry(
    "visual",
    {
        "mediapipe": "emer_visual.backends.fer_tflite:FerTfliteBackend",
        "clip": "emer_visual.backends.clip_zero_shot:ClipZeroShotBackend",
    },
    setting="EMER_VISUAL_BACKEND",
)


def create_backend(settings: VisualSettings) -> ExpressionBackend:
    """The backend named by ``settings.backend``."""
    return BACKENDS.create(settings.backend, settings)
