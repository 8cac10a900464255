"""Settings of the scoring service (env prefix ``EMER_SCORING_``); defaults run offline."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from emer_common.llm import Backend
from emer_common.settings import ServiceSettings
from emer_scoring.extraction import ExtractorName
from emer_scoring.wheel_assets import WHEEL_LEVELS, WheelLevel


class ScoringSettings(ServiceSettings):
    """Everything the scoring domain code and its service read from the environment."""

    model_config = SettingsConfigDict(env_prefix="EMER_SCORING_", extra="ignore", frozen=True)

    wheels_dir: Path | None = Field(
        default=None,
        description="A folder of MER2025/MER2026 emotion-wheel assets (format.csv, "
        "synonym.xlsx, wheel1..5.xlsx; CC BY-NC 4.0, not shipped). Unset: emer's own "
        "vocabulary and wheels.",
    )
    wheel_levels: tuple[WheelLevel, ...] = Field(
        default=WHEEL_LEVELS, description="Wheel levels scored for every clip."
    )
    label_extractor: ExtractorName = Field(
        default="lexicon",
        description="How labels are read from an explanation that comes without labels: "
        "'lexicon' (offline), 'llm' or 'llm+lexicon'.",
    )
    judge: bool = Field(
        default=False,
        description="Score explanations with the LLM judge (clue and label overlap, 1-10) "
        "when a reference explanation exists.",
    )
    language: Literal["en", "zh"] = Field(
        default="en", description="Language of the judge and extraction prompts."
    )
    judge_prompt_version: str = "v1"
    judge_temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    llm_backend: Backend | None = Field(
        default=None,
        description="LLM backend name (emer_common.llm) for the judge / LLM extraction, "
        "configured by the EMER_FUSION_* variables as for fusion; unset: EMER_FUSION_BACKEND.",
    )
