"""Text backends by name (``emer_common.registry``); ``TextSettings.backends`` lists them."""

from __future__ import annotations

from emer_common.registry import Registry
from emer_text.backends.base import TextBackend
from emer_text.settings import TextSettings

BACKENDS: Registry[TextSettings, TextBackend] = Registry(
    "text",
    {
        "en_rules": "emer_text.backends.en_rules:EnglishRulesBackend",
        "vader": "emer_text.backends.vader:VaderBackend",
        "nade": "emer_text.backends.nade_backend:NadeBackend",
        "zh_lexicon": "emer_text.backends.zh_lexicon:ChineseLexiconBackend",
        "transformers": "emer_text.backends.transformers_backend:TransformersBackend",
    },
    setting="EMER_TEXT_BACKENDS",
)


def create_backends(settings: TextSettings) -> tuple[TextBackend, ...]:
    """Load every backend named in the settings, once, in order."""
    names = list(dict.fromkeys(settings.backends))
    return tuple(BACKENDS.create(name, settings) for name in names)
