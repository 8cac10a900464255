"""OpenAI-compatible chat completions over HTTP: vLLM, llama.cpp server, Ollama, others."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx

from emer_common.contracts import ModelInfo
from emer_common.llm.base import (
    BackendError,
    ChatMessage,
    Generation,
    GenerationOptions,
    counted,
)
from emer_common.llm.settings import LLMSettings

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
BACKOFF_BASE_S = 0.5
TOP_LOGPROBS = 20  # the OpenAI API's maximum; llama.cpp and vLLM accept it
MISSING_LOGPROB_PENALTY = 1.0  # a candidate outside the top list scores below its last entry


class OpenAIChatBackend:
    """Calls ``POST {base_url}/chat/completions`` with retries and bounded concurrency."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        max_concurrency: int = 4,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self.max_retries = max_retries
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=timeout_s,
            transport=transport,
        )
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._info = ModelInfo(
            component="fusion", backend="openai", model=model, version=base_url.rstrip("/")
        )

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> OpenAIChatBackend:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return cls(
            settings.openai_base_url,
            settings.openai_model,
            key,
            settings.openai_timeout_s,
            settings.openai_max_retries,
            settings.max_concurrency,
        )

    @property
    def info(self) -> ModelInfo:
        return self._info

    def generate(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Generation:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": options.max_new_tokens,
            "temperature": options.temperature,
            "seed": options.seed,
        }
        if options.stop:
            body["stop"] = list(options.stop)
        if options.json_mode:
            body["response_format"] = {"type": "json_object"}
        start = time.perf_counter()
        reply = self._post_with_retries(body)
        try:
            text = reply["choices"][0]["message"]["content"] or ""
            usage = reply.get("usage") or {}
        except (KeyError, IndexError, TypeError) as error:
            raise BackendError(
                f"the LLM server's reply is not a chat completion: {str(reply)[:300]}",
                code="llm_reply_malformed",
            ) from error
        return counted(
            "openai",
            Generation(
                text=text.strip(),
                prompt_tokens=int(usage.get("prompt_tokens", 0)),
                completion_tokens=int(usage.get("completion_tokens", 0)),
                elapsed_s=time.perf_counter() - start,
            ),
        )

    def score_candidates(
        self, messages: Sequence[ChatMessage], prefix: str, candidates: Sequence[str]
    ) -> list[float]:
        """Log-probability of each candidate's first token after the prompt and ``prefix``.

        One request: ``prefix`` is sent as the start of the assistant's reply (llama.cpp's
        server continues a final assistant message; vLLM is told so by
        ``continue_final_message``) and the server returns the ``TOP_LOGPROBS`` likeliest next
        tokens. A candidate takes the logprob of the longest listed token that starts it, or
        scores below the whole list. Chat servers cannot score forced continuations, so this is
        a first-token approximation of the in-process backend's mean token log-probability.
        A server without logprobs raises a permanent ``BackendError`` (callers fall back).
        """
        if not candidates:
            return []
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages]
            + [{"role": "assistant", "content": prefix}],
            "max_tokens": 1,
            "temperature": 0.0,
            "logprobs": True,
            "top_logprobs": TOP_LOGPROBS,
            "add_generation_prompt": False,
            "continue_final_message": True,
        }
        reply = self._post_with_retries(body)
        try:
            top = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
            listed = [(str(t["token"]).strip().lower(), float(t["logprob"])) for t in top]
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise BackendError(
                f"the LLM server returned no logprobs: {str(reply)[:200]}",
                transient=False,
                code="llm_no_logprobs",
            ) from error
        if not listed:
            raise BackendError("the LLM server returned no logprobs", transient=False)
        floor = min(logprob for _, logprob in listed) - MISSING_LOGPROB_PENALTY
        return [first_token_logprob(c.strip().lower(), listed, floor) for c in candidates]

    def _post_with_retries(self, body: dict[str, Any]) -> dict[str, Any]:
        last_error = "no attempt made"
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(BACKOFF_BASE_S * 2 ** (attempt - 1))
            try:
                with self._slots:
                    response = self._client.post("/chat/completions", json=body)
            except httpx.TimeoutException:
                last_error = f"timed out after {self._client.timeout.read}s"
                continue
            except httpx.ConnectError as error:
                log.warning("LLM server %s: %s", self._client.base_url, error)
                last_error = (
                    "nothing accepted the connection (is the server running, and is the URL right?)"
                )
                continue
            except httpx.TransportError as error:
                log.warning("LLM server %s: %s", self._client.base_url, error)
                last_error = "the connection broke off before a reply"
                continue
            if response.status_code in RETRY_STATUS:
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code >= 400:
                raise BackendError(
                    f"the LLM server at {response.request.url} rejected the request "
                    f"(HTTP {response.status_code}): {response.text[:300]}; check the model "
                    "name, the API key and the server's context length",
                    transient=False,
                    code="llm_request_rejected",
                )
            try:
                parsed: dict[str, Any] = response.json()
            except ValueError:
                last_error = f"invalid JSON body: {response.text[:200]}"
                continue
            return parsed
        raise BackendError(
            f"the LLM server at {self._client.base_url} did not answer usefully after "
            f"{self.max_retries + 1} tries "
            f"({last_error}); it may be starting or overloaded",
            code="llm_unavailable",
        )


def first_token_logprob(candidate: str, listed: Sequence[tuple[str, float]], floor: float) -> float:
    """The logprob of the longest listed token text that ``candidate`` starts with."""
    best: tuple[int, float] | None = None
    for token, logprob in listed:
        if token and candidate.startswith(token) and (best is None or len(token) > best[0]):
            best = (len(token), logprob)
    return best[1] if best else floor
