"""Settings of the text clue service (env prefix ``EMER_TEXT_``), read once in ``main``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from emer_common.settings import ServiceSettings

DEFAULT_BACKENDS: tuple[str, ...] = ("en_rules", "vader", "nade", "zh_lexicon")
"""CPU defaults: every model and lexicon ships inside a PyPI package or this repository."""


class TextSettings(ServiceSettings):
    """What the text service loads and how it quotes what it reads."""

    model_config = SettingsConfigDict(env_prefix="EMER_TEXT_", extra="ignore", frozen=True)

    backends: tuple[str, ...] = Field(
        default=DEFAULT_BACKENDS,
        description="Backend names from emer_text.backends.registry, in order. JSON list in the "
        'environment, e.g. EMER_TEXT_BACKENDS=\'["en_rules","vader","transformers"]\'.',
    )
    transformers_model_path: Path | None = Field(
        default=None,
        description="Local directory of a text-classification model (GoEmotions-style or "
        "multilingual emotion labels). Required by the 'transformers' backend; never downloaded.",
    )
    transformers_languages: tuple[str, ...] = Field(
        default=("en",),
        description="ISO 639-1 codes the configured transformers model covers; '*' for any.",
    )
    transformers_device: str = Field(
        default="cpu", description="torch device of the transformers backend, e.g. 'cuda:0'."
    )
    transformers_max_tokens: int = Field(default=512, ge=8, le=8192)
    max_chars: int = Field(
        default=400, ge=20, description="Longest quote put in a description (characters)."
    )
    max_analyzed_chars: int = Field(
        default=20_000, ge=100, description="Text beyond this many characters is not scored."
    )
    default_language: str = Field(
        default="en",
        description="Language assumed for Latin-script text the detector is unsure about.",
    )
    language_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
