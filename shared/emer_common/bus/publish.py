"""Publishing contracts to JetStream with dedupe ids, and typed KV access."""

from __future__ import annotations

from typing import TypeVar

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from emer_common.contracts import Contract, decode, encode
from emer_common.errors import PermanentError
from emer_common.tracing import inject_headers

MAX_MESSAGE_BYTES = 1024 * 1024
MSG_ID_HEADER = "Nats-Msg-Id"

C = TypeVar("C", bound=Contract)


async def publish(js: JetStreamContext, subject: str, message: Contract, msg_id: str) -> None:
    """Publish once per ``msg_id``: a repeat inside the stream's duplicate window is dropped."""
    payload = encode(message)
    if len(payload) > MAX_MESSAGE_BYTES:
        raise PermanentError(
            "message_too_large",
            f"{message.__class__.__name__} for {subject} is {len(payload)} bytes; NATS caps "
            f"messages at {MAX_MESSAGE_BYTES}. Reduce evidence detail (e.g. fewer frames).",
        )
    headers = inject_headers({MSG_ID_HEADER: msg_id})
    await js.publish(subject, payload, headers=dict(headers))


async def kv_put(kv: KeyValue, key: str, message: Contract) -> int:
    return await kv.put(key, encode(message))


async def kv_get(kv: KeyValue, key: str, model: type[C]) -> C | None:
    try:
        entry = await kv.get(key)
    except nats.js.errors.KeyNotFoundError:
        return None
    if entry.value is None:
        return None
    return decode(model, entry.value)


async def kv_create(kv: KeyValue, key: str, value: bytes) -> bool:
    """Create ``key`` only if absent; True when this caller created it."""
    try:
        await kv.create(key, value)
    except nats.js.errors.KeyWrongLastSequenceError:
        return False
    return True
