"""Process lifecycle shared by every service: connect, declare topology, run workers, drain.

A service's ``main`` builds its settings and models, then hands its workers to
``run_service``; SIGTERM/SIGINT stop fetching, let in-flight messages finish, and drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from emer_common.bus.connection import connect
from emer_common.bus.outage import patiently
from emer_common.bus.topology import Topology, ensure_topology
from emer_common.health import HealthServer
from emer_common.settings import BusSettings, ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class Bus:
    """An open connection plus the names of everything on it."""

    nc: Client
    js: JetStreamContext
    topology: Topology
    settings: BusSettings

    async def key_value(self, bucket: str) -> KeyValue:
        """A KV bucket, waiting while the bus cannot answer (a NATS node restarting)."""
        return await patiently(partial(self.js.key_value, bucket), f"opening {bucket}")


async def open_bus(settings: BusSettings, name: str, declare: bool = True) -> Bus:
    nc = await connect(settings, name)
    js = nc.jetstream()
    topology = Topology(settings.subject_prefix)
    if declare:
        await ensure_topology(js, topology, settings)
    return Bus(nc=nc, js=js, topology=topology, settings=settings)


async def close_bus(bus: Bus) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(bus.nc.drain(), timeout=10)
    if not bus.nc.is_closed:
        await bus.nc.close()


class Runnable(Protocol):
    """Anything with ``run(stop)``, e.g. a ``PullWorker``."""

    async def run(self, stop: asyncio.Event) -> None: ...


async def run_service(
    name: str,
    bus_settings: BusSettings,
    build_workers: Callable[[Bus], Awaitable[Sequence[Runnable]]],
    service_settings: ServiceSettings | None = None,
) -> None:
    """Connect, build the workers (models are loaded there, once), run until a signal."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    state = {"ready": False}
    bus = await open_bus(bus_settings, f"emer-{name}")
    health = None
    if service_settings is not None:
        health = HealthServer(
            service_settings.health_port,
            ready=lambda: state["ready"] and bus.nc.is_connected,
            host=service_settings.health_host,
        )
        await health.start()
        log.info("%s health endpoint on %s:%d", name, service_settings.health_host, health.port)
    try:
        workers = await build_workers(bus)
        state["ready"] = True
        log.info("%s ready with %d worker(s)", name, len(workers))
        await asyncio.gather(*(worker.run(stop) for worker in workers))
    finally:
        state["ready"] = False
        if health:
            await health.stop()
        await close_bus(bus)
        log.info("%s stopped", name)
