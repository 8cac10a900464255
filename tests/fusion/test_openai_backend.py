"""The OpenAI-compatible backend against a local stub server speaking the chat API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from emer_fusion.backends.base import BackendError, ChatMessage, GenerationOptions
from emer_fusion.backends.openai_http import OpenAIChatBackend

LOGPROBS = [(" sad", -0.5), (" happy", -1.5), (" wor", -2.0), (" worried", -2.5), (" s", -3.0)]


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
            elif action == "logprobs":
                top = [{"token": t, "logprob": lp} for t, lp in LOGPROBS]
                reply = {"choices": [{"logprobs": {"content": [{"top_logprobs": top}]}}]}
                self._send(200, json.dumps(reply).encode())
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


def test_a_server_without_logprobs_cannot_score_candidates(stub: tuple[Stub, str]) -> None:
    _, url = stub
    with pytest.raises(BackendError) as error:
        OpenAIChatBackend(url, "qwen").score_candidates(MESSAGES, "p", ["sad"])
    assert not error.value.transient and error.value.code == "llm_no_logprobs"


def test_candidates_score_by_their_first_token_logprob(stub: tuple[Stub, str]) -> None:
    state, url = stub
    state.script = ["logprobs"]
    scores = OpenAIChatBackend(url, "qwen").score_candidates(
        MESSAGES, "He feels", ["sad", "Happy", "worried", "surprised", "angry"]
    )
    # longest listed token that starts the word; unlisted words score below the whole list
    assert scores == [-0.5, -1.5, -2.5, -3.0, -4.0]
    body = state.requests[0]["body"]
    assert body["messages"][-1] == {"role": "assistant", "content": "He feels"}  # type: ignore[index]
    assert body["logprobs"] is True and body["max_tokens"] == 1  # type: ignore[index]


def test_a_rejected_request_is_permanent_and_not_retried(stub: tuple[Stub, str]) -> None:
    state, url = stub
    state.script = ["400", "ok"]
    with pytest.raises(BackendError, match="rejected the request") as error:
        OpenAIChatBackend(url, "qwen", max_retries=3).generate(MESSAGES, GenerationOptions())
    assert error.value.permanent and error.value.code == "llm_request_rejected"
    assert len(state.requests) == 1
