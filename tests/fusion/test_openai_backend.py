"""The OpenAI-compatible backend against a local stub server speaking the chat API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prometheus_client import REGISTRY

from emer_fusion.backends.base import BackendError, ChatMessage, GenerationOptions
from emer_fusion.backends.openai_http import OpenAIChatBackend


class Stub:
    """Answers each request with the next scripted behaviour."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.requests: list[dict[str, object]] = []


def make_handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            stub.requests.append(
                {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
            )
            action = stub.script.pop(0) if stub.script else "ok"
            if action == "slow":
                time.sleep(1.5)
            if action == "500":
                self._send(500, b'{"error": "overloaded"}')
            elif action == "400":
                self._send(400, b'{"error": "model qwen does not exist"}')
            elif action == "garbage":
                self._send(200, b"<html>not json")
            else:
                reply = {
                    "choices": [
                        {"message": {"role": "assistant", "content": '{"labels": ["sad"]}'}}
                    ],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 5},
                }
                self._send(200, json.dumps(reply).encode())

        def _send(self, code: int, data: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except BrokenPipeError:
                pass  # the client gave up on a slow reply, as the timeout test intends

    return Handler


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


MESSAGES = [ChatMessage("user", "hi")]


def test_success_sends_chat_request_with_auth(stub: tuple[Stub, str]) -> None:
    state, url = stub
    backend = OpenAIChatBackend(url, "qwen", api_key="secret", max_retries=0)
    out = backend.generate(MESSAGES, GenerationOptions(json_mode=True))
    assert out.text == '{"labels": ["sad"]}' and out.prompt_tokens == 11
    request = state.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer secret"
    assert request["body"]["temperature"] == 0.0  # type: ignore[index]
    assert request["body"]["response_format"] == {"type": "json_object"}  # type: ignore[index]


def test_500_and_malformed_json_are_retried(stub: tuple[Stub, str]) -> None:
    state, url = stub
    state.script = ["500", "garbage", "ok"]
    backend = OpenAIChatBackend(url, "qwen", max_retries=2)
    assert backend.generate(MESSAGES, GenerationOptions()).text
    assert len(state.requests) == 3


def test_timeouts_exhaust_retries_with_a_clear_error(stub: tuple[Stub, str]) -> None:
    state, url = stub
    state.script = ["slow", "slow"]
    backend = OpenAIChatBackend(url, "qwen", timeout_s=0.3, max_retries=1)
    with pytest.raises(BackendError, match="timed out") as error:
        backend.generate(MESSAGES, GenerationOptions())
    assert error.value.transient


def test_server_cannot_score_candidates(stub: tuple[Stub, str]) -> None:
    _, url = stub
    with pytest.raises(BackendError) as error:
        OpenAIChatBackend(url, "qwen").score_candidates(MESSAGES, "p", ["sad"])
    assert not error.value.transient


def test_a_rejected_request_is_permanent_and_not_retried(stub: tuple[Stub, str]) -> None:
    state, url = stub
    state.script = ["400", "ok"]
    with pytest.raises(BackendError, match="rejected the request") as error:
        OpenAIChatBackend(url, "qwen", max_retries=3).generate(MESSAGES, GenerationOptions())
    assert error.value.permanent and error.value.code == "llm_request_rejected"
    assert len(state.requests) == 1


def test_generation_is_counted_in_llm_metrics(stub: tuple[Stub, str]) -> None:
    _, url = stub

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"backend": "openai", **labels}) or 0.0

    before = (
        sample("emer_llm_tokens_total", direction="prompt"),
        sample("emer_llm_tokens_total", direction="completion"),
        sample("emer_llm_request_duration_seconds_count"),
    )
    OpenAIChatBackend(url, "qwen", max_retries=0).generate(MESSAGES, GenerationOptions())
    after = (
        sample("emer_llm_tokens_total", direction="prompt"),
        sample("emer_llm_tokens_total", direction="completion"),
        sample("emer_llm_request_duration_seconds_count"),
    )
    assert [b - a for a, b in zip(before, after, strict=True)] == [11, 5, 1]
