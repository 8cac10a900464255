"""Fusion through the `openai` backend against a real llama.cpp server (slow tier).

The server is `make llama-server`'s binary on the packaged SmolLM2-135M GGUF (fixture
``llama_server`` in tests/conftest.py; skipped when the binary is not built). These check the
real protocol: JSON mode, logprobs, continuous batching, and real HTTP errors mapped onto
emer's transient/permanent errors. A 135M model's answers are not checked for quality here;
`benchmarks/fusion_emer_v1.py --llama-server` measures that.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from emer_common.llm.base import BackendError, ChatMessage, GenerationOptions
from emer_common.llm.local import packaged_gguf
from emer_common.llm.openai_http import OpenAIChatBackend
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.prompts import load_prompt
from tests.fusion.conftest import SAD_CLUES, served_fuser
from tests.servers.llama import LlamaServer, find_binary, free_port, running_llama_server

pytestmark = pytest.mark.slow


@pytest.fixture
def backend(llama_server: LlamaServer) -> OpenAIChatBackend:
    return OpenAIChatBackend(llama_server.base_url, llama_server.model, max_retries=1)


def test_json_mode_returns_a_json_object(backend: OpenAIChatBackend) -> None:
    messages = [ChatMessage("user", 'Reply with a JSON object {"labels": [...]} for a sad man.')]
    out = backend.generate(messages, GenerationOptions(max_new_tokens=48, json_mode=True))
    assert out.prompt_tokens > 0 and out.completion_tokens > 0
    if out.completion_tokens < 48:  # a reply cut at max_tokens may be unfinished JSON
        assert isinstance(json.loads(out.text), dict)


def test_generation_is_deterministic_at_temperature_zero(backend: OpenAIChatBackend) -> None:
    messages = [ChatMessage("user", "Name one emotion.")]
    options = GenerationOptions(max_new_tokens=12)
    assert backend.generate(messages, options).text == backend.generate(messages, options).text


def test_logprobs_rank_candidates(backend: OpenAIChatBackend) -> None:
    messages = load_prompt().messages("<clues>She cries at the funeral.</clues>")
    scores = backend.score_candidates(messages, "Therefore, the person feels", ["sad", "zzz"])
    assert len(scores) == 2 and all(s <= 0 for s in scores)
    assert scores[0] > scores[1]  # a real word outranks one that is not in the top list


def test_grounded_fusion_uses_the_servers_logprobs(backend: OpenAIChatBackend) -> None:
    output = served_fuser(backend, "grounded").fuse(SAD_CLUES)
    assert output.labels and output.labels[0].label == "sad"
    assert not output.errors and output.models[0].backend == "openai"


def test_generative_fusion_returns_labels_in_the_vocabulary(backend: OpenAIChatBackend) -> None:
    output = served_fuser(backend, "generative").fuse(SAD_CLUES)
    vocabulary = EmotionVocabulary.default()
    assert output.labels and output.explanation
    assert all(vocabulary.get(label.label) is not None for label in output.labels)
    # the model's JSON was usable (possibly after repair), or its prose's emotion words or
    # grounded labels stood in, saying so
    assert all(e.code in {"llm_output_prose", "llm_output_invalid"} for e in output.errors)


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


def test_a_prompt_over_the_context_is_a_permanent_error(
    backend: OpenAIChatBackend, llama_server: LlamaServer
) -> None:
    too_long = [ChatMessage("user", "sad " * 20_000)]  # far beyond one slot's context
    with pytest.raises(BackendError) as error:
        backend.generate(too_long, GenerationOptions(max_new_tokens=4))
    assert error.value.permanent and error.value.code == "llm_request_rejected"
    assert "HTTP 400" in str(error.value)


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
