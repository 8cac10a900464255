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
import time
import urllib.request
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from pathlib import Path

from emer_common.bus.embedded import die_with_parent, free_port, stop_process
from emer_common.errors import EmerError
from emer_common.services import SERVICE_NAMES, service_spec

STOP_TIMEOUT_S = 30.0
SHARED_HOST_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}
"""Set for every child unless the caller's environment sets it. The services share the
machine's cores; OpenMP threads that spin while waiting for work (the default, in PyTorch
and CTranslate2) burn the cores the other services need: on 2 shared cores the first fusion
of a cold start took 6.4 CPU-seconds spinning instead of 1.6 (docs/benchmarks.md). Only how
idle threads wait changes: thread counts and results stay the same."""
MAX_RESTARTS = 5
RESTART_BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)


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
    restarts: dict[str, int] = field(default_factory=dict)
    stop_timeout_s: float = STOP_TIMEOUT_S
    _restart_at: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in self.services:
            self.start_one(name)

    def start_one(self, name: str) -> None:
        """Start (or start again, after it died) one service's process."""
        spec = service_spec(name)
        env = {**SHARED_HOST_ENV, **os.environ}
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
                [sys.executable, "-m", "emer_cli.serve", name],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                preexec_fn=partial(die_with_parent, os.getpid()),
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

    def supervise(self) -> list[str]:
        """Restart services that died, with backoff; what was done, in words, for the log.

        A service that keeps dying (``MAX_RESTARTS`` times) raises ``ServiceCrashedError``:
        its clips would otherwise wait for ever.
        """
        events = []
        now = time.monotonic()
        for name, process in list(self.processes.items()):
            code = process.poll()
            if code is None or now < self._restart_at.get(name, 0.0):
                continue
            count = self.restarts.get(name, 0)
            if count >= MAX_RESTARTS:
                self.check()
            if name not in self._restart_at:  # first notice: wait out the backoff
                self._restart_at[name] = (
                    now + RESTART_BACKOFF_S[min(count, len(RESTART_BACKOFF_S) - 1)]
                )
                events.append(f"the {name} service exited with code {code}; restarting it")
                continue
            del self._restart_at[name]
            self.restarts[name] = count + 1
            self.start_one(name)
            events.append(f"restarted the {name} service (restart {count + 1})")
        return events

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
            stop_process(process, self.stop_timeout_s)
