"""Fusion through the `openai` backend against a real llama.cpp server (slow tier).

The server is `make llama-server`'s binary on the packaged SmolLM2-135M GGUF (fixture
``llama_server`` in tests/conftest.py; skipped when the binary is not built). These check the
server's own behaviour: continuous batching in slots, 503 while loading, unknown routes and a
stopped server mapped onto emer's transient/permanent errors. The protocol checks both servers
share (JSON mode, logprobs, fusion, HTTP 400) are in ``test_served_slow.py``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from emer_common.llm.base import BackendError, ChatMessage, GenerationOptions
from emer_common.llm.local import packaged_gguf
from emer_common.llm.openai_http import OpenAIChatBackend
from tests.servers.llama import LlamaServer, find_binary, free_port, running_llama_server

pytestmark = pytest.mark.slow


@pytest.fixture
def backend(llama_server: LlamaServer) -> OpenAIChatBackend:
    return OpenAIChatBackend(llama_server.base_url, llama_server.model, max_retries=1)


def test_concurrent_requests_are_batched_and_all_answered(backend: OpenAIChatBackend) -> None:
    messages = [ChatMessage("user", "Name one emotion.")]
    with ThreadPoolExecutor(max_workers=8) as pool:
        outs = list(
            pool.map(
                lambda _: backend.generate(messages, GenerationOptions(max_new_tokens=8)), range(8)
            )
        )
    assert all(o.completion_tokens > 0 for o in outs)
    assert len({o.text for o in outs}) == 1  # greedy: the same answer in every slot


def test_an_unknown_route_is_not_retried(llama_server: LlamaServer) -> None:
    broken = OpenAIChatBackend(llama_server.root_url + "/no-such-api", "m", max_retries=3)
    with pytest.raises(BackendError) as error:
        broken.generate([ChatMessage("user", "hi")], GenerationOptions(max_new_tokens=4))
    assert error.value.permanent and error.value.code == "llm_request_rejected"


def test_a_stopped_server_is_transient_and_retried(tmp_path: Path) -> None:
    backend = OpenAIChatBackend(f"http://127.0.0.1:{free_port()}/v1", "m", max_retries=1)
    with pytest.raises(BackendError) as error:
        backend.generate([ChatMessage("user", "hi")], GenerationOptions(max_new_tokens=4))
    assert error.value.transient and error.value.code == "llm_unavailable"


def test_a_loading_server_answers_503_then_the_backend_gets_through(tmp_path: Path) -> None:
    """Requests sent while the model loads see 503 (transient) and succeed on a retry."""
    binary = find_binary()
    if binary is None:
        pytest.skip("llama-server is not built: run `make llama-server`")
    seen: list[int] = []
    with running_llama_server(binary, packaged_gguf(), tmp_path / "log", wait=False) as server:
        while True:  # poll as fast as possible while the server starts
            try:
                status = httpx.get(server.root_url + "/health", timeout=1.0).status_code
            except httpx.TransportError:
                continue
            seen.append(status)
            if status == 200:
                break
        backend = OpenAIChatBackend(server.base_url, server.model, max_retries=5)
        out = backend.generate([ChatMessage("user", "hi")], GenerationOptions(max_new_tokens=4))
    assert out.completion_tokens > 0
    assert set(seen) <= {200, 503}
