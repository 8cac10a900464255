"""A JetStream cluster of real nats-server processes on loopback, for fault-injection tests.

Each node has its own store, so a node killed with SIGKILL and started again recovers its
streams from disk and catches up from the others, as a StatefulSet pod would.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pydantic import SecretStr

from emer_common.bus.embedded import find_nats_server, free_port, stop_process
from emer_common.settings import BusSettings

STARTUP_TIMEOUT_S = 20.0


@dataclass
class Node:
    name: str
    client_port: int
    cluster_port: int
    store: Path
    config: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class NatsCluster:
    """``size`` JetStream nodes with routes between them and one client token."""

    size: int = 3
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="emer-cluster-")))
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        ports = [(free_port(), free_port()) for _ in range(self.size)]
        for index, (client, cluster) in enumerate(ports):
            name = f"n{index + 1}"
            folder = self.root / name
            folder.mkdir(parents=True, exist_ok=True)
            routes = [f"nats-route://127.0.0.1:{c}" for i, (_, c) in enumerate(ports) if i != index]
            config = folder / "nats.conf"
            config.write_text(
                f"server_name: {name}\n"
                f"listen: {json.dumps(f'127.0.0.1:{client}')}\n"
                f"jetstream {{ store_dir: {json.dumps(str(folder / 'store'))} }}\n"
                f"authorization {{ token: {json.dumps(self.token)} }}\n"
                "cluster {\n"
                "  name: emer-chaos\n"
                f"  listen: {json.dumps(f'127.0.0.1:{cluster}')}\n"
                f"  routes: {json.dumps(routes)}\n"
                "}\n"
            )
            os.chmod(config, 0o600)
            self.nodes.append(
                Node(name, client, cluster, folder / "store", config, folder / "nats.log")
            )

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def bus_settings(self, prefix: str, replicas: int = 3) -> BusSettings:
        return BusSettings(
            nats_url=self.url,
            nats_token=SecretStr(self.token),
            subject_prefix=prefix,
            stream_replicas=replicas,
        )

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def start(self) -> NatsCluster:
        for node in self.nodes:
            self.start_node(node)
        return self

    def start_node(self, node: Node) -> None:
        node.process = subprocess.Popen(
            [str(find_nats_server()), "-c", str(node.config), "-l", str(node.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if node.process.poll() is not None:
                raise RuntimeError(
                    f"nats-server {node.name} exited: {node.log.read_text()[-2000:]}"
                )
            try:
                with socket.create_connection(("127.0.0.1", node.client_port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server {node.name} did not listen in time")

    def kill_node(self, node: Node) -> None:
        """SIGKILL: no shutdown, no flush; the store is what the disk holds."""
        if node.process is not None and node.process.poll() is None:
            node.process.send_signal(signal.SIGKILL)
            node.process.wait()

    def pids(self) -> list[int]:
        return [n.process.pid for n in self.nodes if n.process is not None]

    def stop(self) -> None:
        for node in self.nodes:
            if node.running:
                assert node.process is not None
                node.process.terminate()  # all at once: a cluster stops faster than one by one
        for node in self.nodes:
            if node.process is not None:
                stop_process(node.process)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> NatsCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
