"""The embedded bus admits only this run's processes; refused credentials fail at once."""

from __future__ import annotations

import time
from pathlib import Path

import nats
import nats.errors
import pytest
from pydantic import SecretStr

from emer_common.bus.connection import connect
from emer_common.bus.embedded import EmbeddedNats
from emer_common.errors import BusAccessError
from emer_common.health import HealthServer
from emer_common.settings import BusSettings

pytestmark = pytest.mark.integration


async def test_a_client_without_the_secret_can_neither_read_jobs_nor_publish_results(
    nats_server: EmbeddedNats,
) -> None:
    # what a forger did on the open bus: connect, publish a result with the expected
    # Nats-Msg-Id, read the jobs. With the token required, the connection itself is refused.
    with pytest.raises((nats.errors.NoServersError, nats.errors.Error)):
        await nats.connect(nats_server.url, max_reconnect_attempts=1, connect_timeout=1)
    with pytest.raises((nats.errors.NoServersError, nats.errors.Error)):
        await nats.connect(
            nats_server.url, token="guess", max_reconnect_attempts=1, connect_timeout=1
        )


def test_the_secret_is_in_a_private_file_and_not_on_the_command_line(
    nats_server: EmbeddedNats,
) -> None:
    assert nats_server.process is not None
    command_line = Path(f"/proc/{nats_server.process.pid}/cmdline").read_bytes()
    assert nats_server.token.encode() not in command_line
    assert nats_server.config_path.stat().st_mode & 0o777 == 0o600
    assert "127.0.0.1" in nats_server.config_path.read_text()


@pytest.mark.parametrize(
    ("credentials", "named"),
    [
        ({}, "no credentials"),
        ({"nats_token": SecretStr("wrong")}, "a token (EMER_NATS_TOKEN)"),
        ({"nats_user": "ana", "nats_password": SecretStr("x")}, "user 'ana' with a password"),
    ],
)
async def test_refused_credentials_stop_at_once_with_a_plain_message(
    nats_server: EmbeddedNats, credentials: dict[str, object], named: str
) -> None:
    settings = BusSettings(nats_url=nats_server.url, **credentials)  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(BusAccessError) as error:
        await connect(settings, "emer-test")
    assert time.monotonic() - started < 5  # not 60 reconnect attempts
    message = str(error.value)
    assert nats_server.url in message and named in message
    assert "Authorization Violation" in message and "Error" not in message.split(":")[0]


async def test_health_endpoint_on_loopback_and_any_free_port() -> None:
    server = HealthServer(0, ready=lambda: True, host="127.0.0.1")
    await server.start()
    try:
        assert server.port > 0
        assert server._server is not None
        assert {s.getsockname()[0] for s in server._server.sockets} == {"127.0.0.1"}
    finally:
        await server.stop()
