"""The interface every LLM backend implements, in-process or remote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from emer_common.contracts import ModelInfo
from emer_common.errors import BackendError
from emer_common.metrics import observe_llm_request

__all__ = [
    "BackendError",
    "ChatMessage",
    "Generation",
    "GenerationOptions",
    "LLMBackend",
    "counted",
]


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class GenerationOptions:
    max_new_tokens: int = 256
    temperature: float = 0.0  # 0 = greedy, deterministic
    seed: int = 0
    stop: tuple[str, ...] = ()
    json_mode: bool = False


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed_s: float = 0.0
    raw: dict[str, str] = field(default_factory=dict)


def counted(backend: str, generation: Generation) -> Generation:
    """``generation``, recorded in the LLM metrics (its duration, tokens read and written)."""
    observe_llm_request(
        backend, generation.elapsed_s, generation.prompt_tokens, generation.completion_tokens
    )
    return generation


class LLMBackend(Protocol):
    """Chat generation plus candidate scoring; both local and HTTP backends implement it."""

    @property
    def info(self) -> ModelInfo: ...

    def generate(
        self, messages: Sequence[ChatMessage], options: GenerationOptions
    ) -> Generation: ...

    def score_candidates(
        self, messages: Sequence[ChatMessage], prefix: str, candidates: Sequence[str]
    ) -> list[float]:
        """Mean log-probability of each ``prefix + candidate`` as the assistant's reply.

        Backends that cannot score (most HTTP servers) raise ``BackendError(transient=False)``
        and callers fall back to generation.
        """
        ...
