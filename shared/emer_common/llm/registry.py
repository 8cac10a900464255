"""LLM backends by name (``emer_common.registry``); ``LLMSettings.backend`` picks one.

``LLMSettings.backend`` may also be ``package.module:Class`` of a backend outside emer.
"""

from __future__ import annotations

from emer_common.llm.base import LLMBackend
from emer_common.llm.settings import LLMSettings
from emer_common.registry import Registry

LLM_BACKENDS: Registry[LLMSettings, LLMBackend] = Registry(
    "LLM",
    {
        "transformers": "emer_common.llm.local:TransformersBackend",
        "openai": "emer_common.llm.openai_http:OpenAIChatBackend",
    },
    setting="EMER_FUSION_BACKEND",
)


def create_backend(settings: LLMSettings, name: str | None = None) -> LLMBackend:
    """Build the backend named by ``name`` (default: ``settings.backend``)."""
    return LLM_BACKENDS.create(name or settings.backend, settings)
