"""The OpenAI-compatible backend against a scripted chat API.

Replies are scripted through ``httpx.MockTransport`` (the backend's ``transport`` seam); only
the timeout test needs a real socket, so it runs against a local stub server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from prometheus_client import REGISTRY

from emer_common.llm.base import BackendError, ChatMessage, GenerationOptions
from emer_common.llm.openai_http import OpenAIChatBackend

URL = "http://llm.test/v1"
REPLY = {
    "choices": [{"message": {"role": "assistant", "content": '{"labels": ["sad"]}'}}],
    "usage": {"prompt_tokens": 11, "completion_tokens": 5},
}
LOGPROBS = [(" sad", -0.5), (" happy", -1.5), (" wor", -2.0), (" worried", -2.5), (" s", -3.0)]


class Stub:
    """Answers each request with the next scripted behaviour."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.requests: list[dict[str, object]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(
            {
                "path": request.url.path,
                "body": json.loads(request.content),
                "auth": request.headers.get("Authorization"),
            }
        )
        action = self.script.pop(0) if self.script else "ok"
        if action == "500":
            return httpx.Response(500, json={"error": "overloaded"})
        if action == "400":
            return httpx.Response(400, json={"error": "model qwen does not exist"})
        if action == "garbage":
            return httpx.Response(200, content=b"<html>not json")
        if action == "logprobs":
            top = [{"token": t, "logprob": lp} for t, lp in LOGPROBS]
            return httpx.Response(
                200, json={"choices": [{"logprobs": {"content": [{"top_logprobs": top}]}}]}
            )
        return httpx.Response(200, json=REPLY)

    def backend(self, api_key: str | None = None, max_retries: int = 3) -> OpenAIChatBackend:
        transport = httpx.MockTransport(self.handle)
        return OpenAIChatBackend(URL, "qwen", api_key, max_retries=max_retries, transport=transport)


@pytest.fixture
def stub() -> Stub:
    return Stub()


class SlowHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(1.5)
        data = json.dumps(REPLY).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except BrokenPipeError:
            pass  # the client gave up on a slow reply, as the timeout test intends


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


MESSAGES = [ChatMessage("user", "hi")]


def test_success_sends_chat_request_with_auth(stub: Stub) -> None:
    backend = stub.backend(api_key="secret", max_retries=0)
    out = backend.generate(MESSAGES, GenerationOptions(json_mode=True))
    assert out.text == '{"labels": ["sad"]}' and out.prompt_tokens == 11
    request = stub.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer secret"
    assert request["body"]["temperature"] == 0.0  # type: ignore[index]
    assert request["body"]["response_format"] == {"type": "json_object"}  # type: ignore[index]


def test_500_and_malformed_json_are_retried(stub: Stub) -> None:
    stub.script = ["500", "garbage", "ok"]
    backend = stub.backend(max_retries=2)
    assert backend.generate(MESSAGES, GenerationOptions()).text
    assert len(stub.requests) == 3


def test_a_refused_connection_is_said_in_plain_words() -> None:
    """Was "connection failed: [Errno 111] Connection refused"."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    backend = OpenAIChatBackend(URL, "qwen", max_retries=1, transport=httpx.MockTransport(refuse))
    with pytest.raises(BackendError) as error:
        backend.generate(MESSAGES, GenerationOptions())
    message = str(error.value)
    assert "nothing accepted the connection" in message and URL in message
    assert "Errno" not in message and "ConnectError" not in message
    assert error.value.transient


def test_timeouts_exhaust_retries_with_a_clear_error(slow_server: str) -> None:
    backend = OpenAIChatBackend(slow_server, "qwen", timeout_s=0.3, max_retries=1)
    with pytest.raises(BackendError, match="timed out") as error:
        backend.generate(MESSAGES, GenerationOptions())
    assert error.value.transient


def test_a_server_without_logprobs_cannot_score_candidates(stub: Stub) -> None:
    with pytest.raises(BackendError) as error:
        stub.backend().score_candidates(MESSAGES, "p", ["sad"])
    assert not error.value.transient and error.value.code == "llm_no_logprobs"


def test_candidates_score_by_their_first_token_logprob(stub: Stub) -> None:
    stub.script = ["logprobs"]
    scores = stub.backend().score_candidates(
        MESSAGES, "He feels", ["sad", "Happy", "worried", "surprised", "angry"]
    )
    # longest listed token that starts the word; unlisted words score below the whole list
    assert scores == [-0.5, -1.5, -2.5, -3.0, -4.0]
    body = stub.requests[0]["body"]
    assert body["messages"][-1] == {"role": "assistant", "content": "He feels"}  # type: ignore[index]
    assert body["logprobs"] is True and body["max_tokens"] == 1  # type: ignore[index]


def test_a_rejected_request_is_permanent_and_not_retried(stub: Stub) -> None:
    stub.script = ["400", "ok"]
    with pytest.raises(BackendError, match="rejected the request") as error:
        stub.backend(max_retries=3).generate(MESSAGES, GenerationOptions())
    assert error.value.permanent and error.value.code == "llm_request_rejected"
    assert len(stub.requests) == 1


def test_generation_is_counted_in_llm_metrics(stub: Stub) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"backend": "openai", **labels}) or 0.0

    before = (
        sample("emer_llm_tokens_total", direction="prompt"),
        sample("emer_llm_tokens_total", direction="completion"),
        sample("emer_llm_request_duration_seconds_count"),
    )
    stub.backend(max_retries=0).generate(MESSAGES, GenerationOptions())
    after = (
        sample("emer_llm_tokens_total", direction="prompt"),
        sample("emer_llm_tokens_total", direction="completion"),
        sample("emer_llm_request_duration_seconds_count"),
    )
    assert [b - a for a, b in zip(before, after, strict=True)] == [11, 5, 1]
