"""Backends by name, imported lazily so a CPU install never imports GPU code."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from emer_text.backends.base import TextBackend
from emer_text.settings import TextSettings

BackendFactory = Callable[[TextSettings], TextBackend]

REGISTRY: dict[str, str] = {
    "en_rules": "emer_text.backends.en_rules:EnglishRulesBackend.from_settings",
    "vader": "emer_text.backends.vader:VaderBackend.from_settings",
    "nade": "emer_text.backends.nade_backend:NadeBackend.from_settings",
    "zh_lexicon": "emer_text.backends.zh_lexicon:ChineseLexiconBackend.from_settings",
    "transformers": "emer_text.backends.transformers_backend:TransformersBackend.from_settings",
}
"""Name -> ``module:attribute`` of a factory taking ``TextSettings``."""


def factory(name: str) -> BackendFactory:
    """The factory registered under ``name``; raises ``KeyError`` listing the known names."""
    try:
        target = REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown text backend {name!r}; known: {sorted(REGISTRY)}") from None
    module_name, _, attribute = target.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return cast(BackendFactory, obj)


def create_backends(settings: TextSettings) -> tuple[TextBackend, ...]:
    """Load every backend named in the settings, once, in order."""
    names = list(dict.fromkeys(settings.backends))
    return tuple(factory(name)(settings) for name in names)
