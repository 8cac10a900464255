"""When did a service last make progress? Deadlines count from then.

A deadline counted from when a clip was first seen would give up on a service that is merely
behind: in a large batch the text service answers at once while the visual queue holds hours
of work. Waiting sides (fusion for a modality, text for a transcript) therefore wait while the
services they depend on keep acking messages, and their deadlines run only once those stand
still (service down, stuck, scaled to zero).
"""

from __future__ import annotations

import time

from nats.js import JetStreamContext

from emer_common.bus.outage import BUS_TROUBLE
from emer_common.bus.topology import Topology
from emer_common.services import Consumer

REFRESH_S = 1.0  # consumer info is read at most this often per group of services


class ConsumerProgress:
    """Tracks the ack floors of durable consumers."""

    def __init__(self, js: JetStreamContext, topology: Topology) -> None:
        self.js = js
        self.topology = topology
        self._floors: dict[tuple[Consumer, ...], tuple[int, ...]] = {}
        self._moved_at: dict[tuple[Consumer, ...], float] = {}
        self._checked_at: dict[tuple[Consumer, ...], float] = {}
        self._backlog: dict[Consumer, int] = {}
        self._backlog_checked_at: dict[Consumer, float] = {}

    async def last_progress(self, services: tuple[Consumer, ...]) -> float:
        """Wall-clock time at which any of these services' consumers last acked something."""
        now = time.time()
        if now - self._checked_at.get(services, 0.0) >= REFRESH_S:
            self._checked_at[services] = now
            floors = []
            try:
                for service in services:
                    spec = self.topology.consumer(service)
                    info = await self.js.consumer_info(spec.stream, spec.durable)
                    floors.append(info.ack_floor.stream_seq if info.ack_floor else 0)
            except BUS_TROUBLE:
                # Nobody can tell while the bus is down: count it as progress, so that a
                # NATS restart never makes a waiting side give up on a modality.
                self._moved_at[services] = now
                return now
            if tuple(floors) != self._floors.get(services):
                self._floors[services] = tuple(floors)
                self._moved_at[services] = now
        return self._moved_at.get(services, now)

    async def backlog(self, consumer: Consumer) -> int:
        """Messages of ``consumer`` not yet delivered to anyone (its own queue).

        A waiting side checks its own queue before giving up: the report it waits for may be
        published already and merely queued behind others (a slow fusion in a large batch),
        while the service that produced it, finished, shows no progress.
        """
        now = time.time()
        if now - self._backlog_checked_at.get(consumer, 0.0) >= REFRESH_S:
            self._backlog_checked_at[consumer] = now
            spec = self.topology.consumer(consumer)
            try:
                info = await self.js.consumer_info(spec.stream, spec.durable)
                self._backlog[consumer] = int(info.num_pending or 0)
            except BUS_TROUBLE:
                self._backlog[consumer] = 1  # unknown while the bus is down: keep waiting
        return self._backlog.get(consumer, 0)
