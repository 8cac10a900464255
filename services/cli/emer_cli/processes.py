"""Running emer's services as child processes, for the embedded (no cluster) mode.

Each service is the same ``emer serve NAME`` a cluster runs, connected to the private
nats-server; the CLI only starts and stops them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from emer_common.bus.embedded import free_port
from emer_common.errors import EmerError
from emer_common.services import SERVICE_NAMES, service_spec

STOP_TIMEOUT_S = 30.0


class ServiceCrashedError(EmerError):
    """A service child process of the embedded mode exited."""

    code = "service_crashed"


@dataclass
class ServiceProcesses:
    bus_env: dict[str, str]
    """How the children reach the bus (``EmbeddedNats.client_env``): URL and secret."""
    prefix: str
    allowed_roots: tuple[Path, ...]
    log_dir: Path
    services: tuple[str, ...] = SERVICE_NAMES
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    health_ports: dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in self.services:
            self.start_one(name)

    def start_one(self, name: str) -> None:
        """Start (or start again, after it died) one service's process."""
        spec = service_spec(name)
        env = dict(os.environ)
        env.update(self.bus_env)
        env.update(
            {
                "EMER_SUBJECT_PREFIX": self.prefix,
                "EMER_MEDIA_ALLOWED_ROOTS": json.dumps([str(r) for r in self.allowed_roots]),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        # each child gets its own free port: several services share this host
        self.health_ports[name] = free_port()
        env[spec.env_name("health_port")] = str(self.health_ports[name])
        env[spec.env_name("health_host")] = "127.0.0.1"
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "emer_cli.main", "serve", name],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def check(self) -> None:
        """Raise if a service died: its clips would otherwise wait until the deadline."""
        for name, process in self.processes.items():
            code = process.poll()
            if code is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise ServiceCrashedError(
                    f"the {name} service exited with code {code}; last log lines:\n{tail}"
                )

    def ready(self, name: str) -> bool:
        """True once the service answers its readiness probe (bus connected, models loaded)."""
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.health_ports[name]}/readyz", timeout=1
            ) as reply:
                return bool(reply.status == HTTPStatus.OK)
        except OSError:
            return False

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
