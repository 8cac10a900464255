"""Telling a bus that cannot serve right now (a NATS node restarting, a leader being elected,
a reconnect) from a real failure, and waiting it out instead of stopping."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import nats.errors
import nats.js.errors

from emer_common.errors import TransientError

log = logging.getLogger(__name__)

T = TypeVar("T")
PATIENCE_S = 120.0

BUS_UNAVAILABLE: tuple[type[Exception], ...] = (
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionClosedError,
    nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.APIError,
)
"""Errors of a fetch that mean the bus cannot serve right now; not a reason to stop."""
BUS_TROUBLE: tuple[type[Exception], ...] = (nats.errors.TimeoutError, *BUS_UNAVAILABLE)
"""The same, for requests other than fetches, where a timeout also means no answer."""

OUTAGE_BACKOFF_S = (0.5, 1.0, 2.0, 5.0)
RECREATE_EVERY = 5  # outage attempts between re-declarations of the consumer


class BusOutage:
    """Backs off while the bus cannot serve; logs the start and the end of each outage once."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.attempts = 0

    async def wait(self, error: Exception) -> None:
        if self.attempts == 0:
            log.warning(
                "%s: the bus cannot serve messages right now (%s); waiting", self.service, error
            )
        delay = OUTAGE_BACKOFF_S[min(self.attempts, len(OUTAGE_BACKOFF_S) - 1)]
        self.attempts += 1
        await asyncio.sleep(delay)

    def over(self) -> None:
        if self.attempts:
            log.warning("%s: the bus serves messages again", self.service)
        self.attempts = 0


async def patiently(
    action: Callable[[], Awaitable[T]], what: str, timeout_s: float = PATIENCE_S
) -> T:
    """Run ``action`` until the bus answers, for callers with nobody to redeliver to them
    (the CLI publishing a job). Safe for publishes that carry a dedupe id."""
    outage = BusOutage(what)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            result = await action()
        except BUS_TROUBLE as error:
            if time.monotonic() >= deadline:
                raise TransientError(
                    f"{what}: the NATS servers did not answer for {timeout_s:g} s ({error}); "
                    "check that they run and that a majority of a cluster's nodes are up"
                ) from error
            await outage.wait(error)
            continue
        outage.over()
        return result
