"""A warm local stack: `emer up` keeps the embedded nats-server and every service running in
the background, `emer analyze` (without --nats-url) uses it, `emer down` stops it.

Loading models takes most of a cold run's first minute; a warm stack answers the first clip
in seconds. The stack is as private as the embedded mode: loopback only, a token in a file
only its owner can read, and services that read media only under the roots given to `up`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from emer_cli.processes import ServiceProcesses
from emer_common.bus.embedded import EmbeddedNats
from emer_common.errors import ConfigurationError
from emer_common.settings import BusSettings

STATE = "stack.json"
TOKEN = "token"
READY_TIMEOUT_S = 600.0
STOP_TIMEOUT_S = 40.0
SUPERVISE_S = 1.0


def default_state_dir() -> Path:
    return Path.home() / ".cache" / "emer" / "stack"


@dataclass(frozen=True)
class Stack:
    """A running warm stack, as `emer up` recorded it."""

    pid: int
    url: str
    token: str
    roots: tuple[Path, ...]
    prefix: str

    def bus_settings(self, base: BusSettings) -> BusSettings:
        return base.model_copy(
            update={
                "nats_url": self.url,
                "nats_token": SecretStr(self.token),
                "subject_prefix": self.prefix,
            }
        )

    def covers(self, folders: tuple[Path, ...]) -> bool:
        """Whether the stack's services may read media in every one of ``folders``."""
        return all(any(f.resolve().is_relative_to(r) for r in self.roots) for f in folders)


def running_stack(state_dir: Path | None = None) -> Stack | None:
    """The warm stack, if one is up and answering for this user."""
    folder = state_dir or default_state_dir()
    try:
        state = json.loads((folder / STATE).read_text())
        token = (folder / TOKEN).read_text().strip()
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    roots = tuple(Path(r) for r in state["roots"])
    return Stack(int(state["pid"]), str(state["url"]), token, roots, str(state["prefix"]))


def start_stack(roots: tuple[Path, ...], state_dir: Path | None = None) -> Stack:
    """Start the stack in the background and wait until every service is ready."""
    folder = state_dir or default_state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "emer_cli.stack", str(folder), *map(str, roots)]
    with (folder / "stack.log").open("ab") as log:
        daemon = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        stack = running_stack(folder)
        if stack is not None and stack.pid == daemon.pid:
            return stack
        if daemon.poll() is not None:
            tail = (folder / "stack.log").read_text(errors="replace")[-2000:]
            raise ConfigurationError(f"the local stack stopped while starting:\n{tail}")
        time.sleep(0.5)
    daemon.terminate()
    raise ConfigurationError(f"the local stack was not ready after {READY_TIMEOUT_S:g} s")


def stop_stack(state_dir: Path | None = None) -> bool:
    """Stop the stack; False when none was running."""
    stack = running_stack(state_dir)
    if stack is None:
        return False
    os.kill(stack.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            os.kill(stack.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.kill(stack.pid, signal.SIGKILL)
    return True


def serve_stack(folder: Path, roots: tuple[Path, ...]) -> None:
    """The background process: server and services, supervised until SIGTERM."""
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    with EmbeddedNats(store_dir=folder / "nats") as server:
        processes = ServiceProcesses(
            bus_env=server.client_env(),
            prefix="emer",
            allowed_roots=roots,
            log_dir=folder / "logs",
        )
        processes.start()
        try:
            while not stopping and not all(processes.ready(n) for n in processes.services):
                processes.supervise()
                time.sleep(SUPERVISE_S)
            descriptor = os.open(folder / TOKEN, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(server.token)
            state = {"pid": os.getpid(), "url": server.url, "prefix": "emer"}
            (folder / STATE).write_text(json.dumps({**state, "roots": [str(r) for r in roots]}))
            while not stopping:
                processes.supervise()
                server.supervise()
                time.sleep(SUPERVISE_S)
        finally:
            (folder / STATE).unlink(missing_ok=True)
            processes.stop()


if __name__ == "__main__":
    # started detached by `emer up`, so it outlives the command on purpose
    serve_stack(Path(sys.argv[1]), tuple(Path(r).resolve() for r in sys.argv[2:]))
