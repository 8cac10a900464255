"""Waiting on child services and on the bus, failing fast when a service dies."""

from __future__ import annotations

import asyncio

import nats.js.errors
from nats.aio.msg import Msg

from emer_cli.processes import ServiceProcesses
from emer_common.runtime import Bus

POLL_S = 0.2


async def wait_ready(services: ServiceProcesses, name: str, timeout_s: float = 120) -> None:
    """Until the service's readiness probe answers (bus connected, models loaded)."""
    async with asyncio.timeout(timeout_s):
        while not services.ready(name):
            services.check()
            await asyncio.sleep(POLL_S)


async def wait_last_msg(
    bus: Bus, services: ServiceProcesses, stream: str, subject: str, timeout_s: float = 120
) -> Msg:
    """The last message on ``subject`` once there is one."""
    async with asyncio.timeout(timeout_s):
        while True:
            services.check()
            try:
                return await bus.js.get_last_msg(stream, subject)
            except nats.js.errors.NotFoundError:
                await asyncio.sleep(POLL_S)
