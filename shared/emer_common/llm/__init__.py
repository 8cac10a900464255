"""The LLM client shared by fusion and scoring: one interface, in-process or over HTTP.

``create_backend(LLMSettings())`` builds the configured backend (``registry.py``); the
interface and message types are in ``base.py``.
"""

from emer_common.llm.base import (
    BackendError,
    ChatMessage,
    Generation,
    GenerationOptions,
    LLMBackend,
)
from emer_common.llm.registry import LLM_BACKENDS, create_backend
from emer_common.llm.settings import Backend, BackendName, LLMSettings

__all__ = [
    "LLM_BACKENDS",
    "Backend",
    "BackendError",
    "BackendName",
    "ChatMessage",
    "Generation",
    "GenerationOptions",
    "LLMBackend",
    "LLMSettings",
    "create_backend",
]
