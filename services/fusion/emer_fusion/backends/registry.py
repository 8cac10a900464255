"""Backend selection by name, with lazy imports so CPU-only installs import no GPU code."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from emer_fusion.backends.base import LLMBackend
from emer_fusion.settings import FusionSettings

BACKENDS: dict[str, str] = {
    "transformers": "emer_fusion.backends.local:TransformersBackend",
    "openai": "emer_fusion.backends.openai_http:OpenAIChatBackend",
}


def create_backend(settings: FusionSettings, name: str | None = None) -> LLMBackend:
    """Build the backend named by ``name`` (default: ``settings.backend``).

    A dotted path ``package.module:Class`` also works, for backends outside emer.
    """
    target = BACKENDS.get(name or settings.backend, name or settings.backend)
    if ":" not in target:
        raise ValueError(
            f"unknown fusion backend {name or settings.backend!r}; choose one of "
            f"{', '.join(sorted(BACKENDS))} or give 'package.module:Class'"
        )
    module_name, class_name = target.split(":", 1)
    factory: Callable[[FusionSettings], LLMBackend] = getattr(
        importlib.import_module(module_name), class_name
    ).from_settings
    return factory(settings)
