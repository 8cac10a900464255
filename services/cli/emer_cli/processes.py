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

SERVICES = ("visual", "audio", "text", "fusion", "scoring")
STOP_TIMEOUT_S = 30.0


class ServiceCrashedError(RuntimeError):
    pass


@dataclass
class ServiceProcesses:
    nats_url: str
    prefix: str
    allowed_roots: tuple[Path, ...]
    log_dir: Path
    services: tuple[str, ...] = SERVICES
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    health_ports: dict[str, int] = field(default_factory=dict)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            {
                "EMER_NATS_URL": self.nats_url,
                "EMER_SUBJECT_PREFIX": self.prefix,
                "EMER_MEDIA_ALLOWED_ROOTS": json.dumps([str(r) for r in self.allowed_roots]),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        for name in self.services:
            log = (self.log_dir / f"{name}.log").open("ab")
            env_service = dict(env)
            # each child gets its own free port: several services share this host
            self.health_ports[name] = free_port()
            env_service[f"EMER_{name.upper()}_HEALTH_PORT"] = str(self.health_ports[name])
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "emer_cli.main", "serve", name],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env_service,
            )
            log.close()

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
