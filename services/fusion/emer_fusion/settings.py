"""Settings of the fusion service (env prefix ``EMER_FUSION_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from emer_common.llm import Backend, LLMSettings
from emer_common.settings import ServiceSettings

Strategy = Literal["grounded", "generative"]
StrategySetting = Literal["auto", "grounded", "generative"]
GENERATIVE_BACKENDS: frozenset[str] = frozenset({"openai"})
"""Backends that "auto" fuses generatively: chat completion servers cannot score candidates."""


class EnsembleMember(BaseModel):
    """One ensemble member; unset fields take the service's own settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Backend | None = None
    strategy: StrategySetting | None = None
    prompt: str = "fusion-v1"
    model_path: Path | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    weight: float = Field(default=1.0, gt=0)


class FusionSettings(LLMSettings, ServiceSettings):
    """The LLM client's settings (``LLMSettings``) plus how fusion uses the model."""

    model_config = SettingsConfigDict(env_prefix="EMER_FUSION_", extra="ignore", frozen=True)

    strategy: StrategySetting = Field(
        default="auto",
        description="'grounded' (rank candidate emotion words from the clues by LLM likelihood), "
        "'generative' (ask the LLM for JSON), or 'auto' (generative for 'openai', else grounded).",
    )
    prompt: str = Field(default="fusion-v1", description="Prompt file (prompts/NAME.txt).")
    ensemble: tuple[EnsembleMember, ...] = Field(
        default=(),
        description='JSON list of members, e.g. [{"prompt": "fusion-v1"}, {"prompt": '
        '"fusion-brief-v1"}, {"backend": "openai"}]; labels are voted. Empty: one fusion.',
    )
    max_labels: int = Field(default=4, ge=1, le=12)
    seed: int = 0
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    modality_deadline_s: float = Field(
        default=300.0,
        gt=0,
        description="Fuse without a missing modality once its services have made no progress "
        "(acked nothing) for this long, counted from the clip's first clue at the earliest.",
    )
    recheck_interval_s: float = Field(default=2.0, gt=0)
    ready_clips_interval_s: float = Field(
        default=10.0,
        gt=0,
        description="How often fusion recounts the clips ready to fuse (emer_fusion_clips_ready, "
        "the signal the chart's KEDA scales fusion on) and those waiting for other modalities.",
    )

    @property
    def resolved_strategy(self) -> Strategy:
        """``strategy`` with "auto" decided: generative for chat servers, else grounded."""
        if self.strategy != "auto":
            return self.strategy
        return "generative" if self.backend in GENERATIVE_BACKENDS else "grounded"
