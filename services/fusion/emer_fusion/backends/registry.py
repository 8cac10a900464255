"""Fusion LLM backends by name (``emer_common.registry``); ``FusionSettings.backend`` picks one.

``FusionSettings.backend`` may also be ``package.module:Class`` of a backend outside emer.
"""

from __future__ import annotations

from emer_common.registry import Registry
from emer_fusion.backends.base import LLMBackend
from emer_fusion.settings import FusionSettings

BACKENDS: Registry[FusionSettings, LLMBackend] = Registry(
    "fusion",
    {
        "transformers": "emer_fusion.backends.local:TransformersBackend",
        "openai": "emer_fusion.backends.openai_http:OpenAIChatBackend",
    },
    setting="EMER_FUSION_BACKEND",
)


def create_backend(settings: FusionSettings, name: str | None = None) -> LLMBackend:
    """Build the backend named by ``name`` (default: ``settings.backend``)."""
    return BACKENDS.create(name or settings.backend, settings)
