"""The judge through the `openai` backend against real servers: llama.cpp's and vLLM's (slow tier).

SmolLM2-135M is far too small to judge well (see docs/scoring.md and
benchmarks/judge_emer_v1.py); this checks the real path: JSON mode over HTTP, a verdict in
range with the server's model recorded, or a ``JudgeReplyError`` that keeps the raw reply.
"""

from __future__ import annotations

import pytest

from emer_common.llm.openai_http import OpenAIChatBackend
from emer_scoring.judge import ExplanationJudge, JudgeReplyError
from tests.servers.llama import LlamaServer
from tests.servers.vllm import VllmServer

pytestmark = pytest.mark.slow

REFERENCE = "He frowns and his voice is low; he says he failed the exam. He is disappointed."
CANDIDATE = "The man frowns and speaks quietly about failing; he seems sad and disappointed."


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("server_fixture", ["llama_server", "vllm_server"])
def test_judge_through_a_real_server(
    request: pytest.FixtureRequest, server_fixture: str, language: str
) -> None:
    server: LlamaServer | VllmServer = request.getfixturevalue(server_fixture)
    backend = OpenAIChatBackend(server.base_url, server.model, max_retries=1)
    judge = ExplanationJudge(backend, language=language)  # type: ignore[arg-type]
    try:
        verdict = judge.judge(REFERENCE, CANDIDATE)
    except JudgeReplyError as error:
        assert error.raw_reply.strip()
    else:
        assert 1 <= verdict.clue_overlap <= 10 and 1 <= verdict.label_overlap <= 10
        assert verdict.judge_backend == "openai" and server.model in verdict.judge_model
        assert verdict.raw_reply
