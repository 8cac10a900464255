"""A real round trip through JetStream, for ``helm test`` and operators."""

from __future__ import annotations

import time
import uuid

from nats.js.api import ConsumerConfig, DeliverPolicy

from emer_common.contracts import DeadLetter, ErrorInfo, decode, encode
from emer_common.runtime import close_bus, open_bus
from emer_common.settings import BusSettings


async def ping(settings: BusSettings) -> float:
    start = time.perf_counter()
    bus = await open_bus(settings, "emer-ping", declare=False)
    try:
        token = uuid.uuid4().hex[:12]
        subject = bus.topology.dlq_subject("ping", token, "_")
        probe = DeadLetter(
            service="ping",
            subject=subject,
            deliveries=0,
            error=ErrorInfo(code="ping", message="bus round trip probe", permanent=False),
            payload=token,
        )
        await bus.js.publish(subject, encode(probe))
        sub = await bus.js.pull_subscribe(
            subject,
            stream=bus.topology.dlq_stream,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.LAST_PER_SUBJECT),
        )
        try:
            (msg,) = await sub.fetch(1, timeout=5)
            if decode(DeadLetter, msg.data).payload != token:
                raise RuntimeError("read back a different message than was sent")
            await msg.ack()
        finally:
            await sub.unsubscribe()
        return time.perf_counter() - start
    finally:
        await close_bus(bus)
