"""A durable pull-consumer loop with explicit ack / nak / term semantics.

- success: ack
- ``Retry`` returned: nak with the requested delay (waiting, not failing)
- an ``EmerError`` whose ``permanent`` is set (``PermanentError``, a rejected LLM request) or
  an undecodable message: dead-letter and term at once; the dead-letter hook records the
  error in the clip's result
- any other error (``TransientError``, a transient ``BackendError``, or an exception emer does
  not know, logged with its traceback): nak with backoff; after the last attempt, dead-letter
  and term
This is the one place where transient and permanent are told apart (``emer_common.errors``).
The consumer belongs to the service that runs this worker: ``run`` creates or updates it
from this worker's settings, then binds to it.
- a message delivered past its last attempt (every worker that took it died): dead-letter
  without processing it again
While a handler runs, ``in_progress`` heartbeats keep the server from redelivering it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError

from emer_common import metrics, tracing
from emer_common.bus.errors import Retry
from emer_common.bus.outage import (
    BUS_TROUBLE,
    BUS_UNAVAILABLE,
    RECREATE_EVERY,
    BusOutage,
    patiently,
)
from emer_common.bus.publish import publish
from emer_common.bus.topology import ConsumerSpec, Topology, ensure_consumer
from emer_common.contracts import Contract, DeadLetter, ErrorInfo, decode
from emer_common.errors import EmerError, TransientError
from emer_common.logging_setup import clip_log_context
from emer_common.settings import WorkerSettings

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Contract)

Handler = Callable[[M], Awaitable[Retry | None]]
DeadLetterHook = Callable[[M, ErrorInfo], Awaitable[None]]

DLQ_PAYLOAD_CHARS = 16_000


@dataclass
class WorkerStats:
    acked: int = 0
    retried: int = 0
    failed: int = 0
    dead_lettered: int = 0


class PullWorker(Generic[M]):
    """Runs ``handler`` on every message of one durable consumer until ``stop`` is set."""

    def __init__(
        self,
        js: JetStreamContext,
        topology: Topology,
        spec: ConsumerSpec,
        model: type[M],
        handler: Handler[M],
        settings: WorkerSettings,
        service: str,
        on_dead_letter: DeadLetterHook[M] | None = None,
    ) -> None:
        self.js = js
        self.topology = topology
        self.spec = spec
        self.model = model
        self.handler = handler
        self.settings = settings
        self.service = service
        self.on_dead_letter = on_dead_letter
        self.stats = WorkerStats()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        # a replica that starts while a NATS node restarts waits for the bus, it does not die
        await patiently(
            partial(ensure_consumer, self.js, self.spec, self.settings),
            f"{self.service}: declaring its consumer",
        )
        sub = await patiently(
            partial(
                self.js.pull_subscribe_bind, consumer=self.spec.durable, stream=self.spec.stream
            ),
            f"{self.service}: binding to its consumer",
        )
        outage = BusOutage(self.service)
        try:
            while not stop.is_set():
                free = self.settings.max_in_flight - len(self._tasks)
                if free <= 0:
                    await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    msgs = await sub.fetch(
                        min(self.settings.batch_size, free), timeout=self.settings.fetch_timeout_s
                    )
                except nats.errors.TimeoutError:
                    outage.over()
                    continue
                except BUS_UNAVAILABLE as error:
                    # a NATS node restarting, a stream leader being elected: wait, keep going
                    await outage.wait(error)
                    if outage.attempts % RECREATE_EVERY == 0:  # the consumer may be gone
                        with contextlib.suppress(*BUS_TROUBLE):
                            await ensure_consumer(self.js, self.spec, self.settings)
                    continue
                outage.over()
                for msg in msgs:
                    task = asyncio.create_task(self._process(msg))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            # drain() waits for open pull subscriptions, so close ours explicitly.
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _process(self, msg: Msg) -> None:
        try:
            await self._settle(msg)
        except BUS_TROUBLE as error:
            # the ack, nak or dead letter did not reach the server: the message comes back
            # after ack_wait, and handlers are idempotent
            log.warning(
                "%s: could not settle %s (%s); it will be redelivered",
                self.service,
                msg.subject,
                error,
            )

    async def _settle(self, msg: Msg) -> None:
        deliveries = msg.metadata.num_delivered or 1
        try:
            message = decode(self.model, msg.data)
        except ValidationError as error:
            await self._dead_letter(msg, None, _invalid(self.model, error), deliveries)
            return
        if not self.spec.unlimited_deliveries and deliveries > self.settings.max_deliver:
            lost = ErrorInfo(
                code="worker_lost",
                message=f"delivered {deliveries} times without an answer: every worker that "
                "took it stopped (crash, OOM kill) before finishing",
            )
            await self._dead_letter(msg, message, lost, deliveries)
            return

        job_id, clip_id = getattr(message, "job_id", None), getattr(message, "clip_id", None)
        ids = {k: v for k, v in (("emer.job_id", job_id), ("emer.clip_id", clip_id)) if v}
        with (
            metrics.in_flight(self.service),
            clip_log_context(job_id, clip_id, service=self.service),
            tracing.stage_span(f"{self.service}.handle", msg.headers or {}, ids),
        ):
            if deliveries > 1 and not self.spec.unlimited_deliveries:
                # fusion's redeliveries are its own re-checks; elsewhere an earlier attempt
                # died or failed, which operators (and the chaos harness) count
                log.info("%s: %s redelivered (delivery %d)", self.service, msg.subject, deliveries)
            await self._handle(msg, message, deliveries)

    async def _handle(self, msg: Msg, message: M, deliveries: int) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(msg))
        try:
            outcome = await self.handler(message)
        except BUS_TROUBLE as error:
            unavailable = TransientError(
                f"the bus did not answer ({error})", code="bus_unavailable"
            )
            # fusion's deliveries also count its re-checks and the server sets it no cap:
            # a bus outage must not use up its attempts
            exhaustible = not self.spec.unlimited_deliveries
            await self._transient_failure(msg, message, unavailable, deliveries, exhaustible)
            return
        except EmerError as error:
            if not error.permanent:
                await self._transient_failure(msg, message, error, deliveries)
                return
            info = ErrorInfo(code=error.code, message=error.message, permanent=True)
            await self._dead_letter(msg, message, info, deliveries)
            return
        except Exception as error:
            await self._transient_failure(msg, message, error, deliveries)
            return
        finally:
            heartbeat.cancel()
        if isinstance(outcome, Retry):
            self.stats.retried += 1
            metrics.observe_message(self.service, "retried")
            await msg.nak(delay=outcome.delay_s)
        else:
            self.stats.acked += 1
            metrics.observe_message(self.service, "ok")
            await msg.ack()

    async def _transient_failure(
        self, msg: Msg, message: M, error: Exception, deliveries: int, exhaustible: bool = True
    ) -> None:
        self.stats.failed += 1
        metrics.observe_message(self.service, "failed")
        known = isinstance(error, EmerError)
        kind = "transient" if known else "unexpected"
        if exhaustible and deliveries >= self.settings.max_deliver:
            log.error("%s: giving up after %d attempts: %s", self.service, deliveries, error)
            # an unexpected exception's text (an errno, a class name) is for the log only
            what = str(error) if known else f"an internal fault (details in the {self.service} log)"
            info = ErrorInfo(
                code=f"{kind}_error_exhausted",
                message=f"the {self.service} service failed {deliveries} times: {what}; "
                "a rerun may succeed",
                permanent=False,
            )
            await self._dead_letter(msg, message, info, deliveries)
            return
        backoff = self.settings.backoff_s
        delay = backoff[min(deliveries - 1, len(backoff) - 1)] if backoff else 0.0
        log.warning(
            "%s: %s error on attempt %d, retrying in %.1fs: %s",
            self.service,
            kind,
            deliveries,
            delay,
            error,
            exc_info=not known,
        )
        await msg.nak(delay=delay)

    async def _dead_letter(
        self, msg: Msg, message: M | None, error: ErrorInfo, deliveries: int
    ) -> None:
        job_id = getattr(message, "job_id", None)
        clip_id = getattr(message, "clip_id", None)
        letter = DeadLetter(
            service=self.service,
            subject=msg.subject,
            job_id=job_id,
            clip_id=clip_id,
            deliveries=deliveries,
            error=error,
            payload=msg.data.decode(errors="replace")[:DLQ_PAYLOAD_CHARS],
        )
        seq = msg.metadata.sequence.stream if msg.metadata.sequence else 0
        log.error("%s: dead-lettering %s: %s", self.service, msg.subject, error.message)
        await publish(
            self.js,
            self.topology.dlq_subject(self.service, job_id or "_", clip_id or "_"),
            letter,
            msg_id=f"dlq.{self.spec.durable}.{seq}",
        )
        if message is not None and self.on_dead_letter is not None:
            try:
                await self.on_dead_letter(message, error)
            except Exception:
                log.exception("%s: dead-letter hook failed", self.service)
        self.stats.dead_lettered += 1
        metrics.observe_message(self.service, "dead_lettered")
        await msg.term()

    async def _heartbeat(self, msg: Msg) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_s)
            with contextlib.suppress(Exception):
                await msg.in_progress()


def _invalid(model: type[Contract], error: ValidationError) -> ErrorInfo:
    """A message that does not decode, in words: which contract, which field, what is wrong."""
    first = error.errors()[0] if error.errors() else None
    where = ".".join(str(part) for part in first["loc"]) if first and first["loc"] else "message"
    detail = f"{where}: {first['msg']}" if first else "it is not JSON"
    return ErrorInfo(
        code="invalid_message",
        message=f"a message set aside: it is not a valid {model.__name__} "
        f"({error.error_count()} problem(s); first {detail})"[:2000],
    )
