"""Connecting to NATS with the options a secured cluster needs."""

from __future__ import annotations

import logging
import ssl
from typing import Any

import nats
from nats.aio.client import Client

from emer_common.settings import BusSettings

log = logging.getLogger(__name__)


class BusNotConfiguredError(RuntimeError):
    pass


def connect_options(bus: BusSettings, name: str) -> dict[str, Any]:
    """Translate settings into ``nats.connect`` keyword arguments."""
    if not bus.nats_url:
        raise BusNotConfiguredError(
            "No NATS URL: set EMER_NATS_URL (or pass --nats-url), or use `emer analyze` "
            "without it to run an embedded server."
        )
    options: dict[str, Any] = {
        "servers": [url.strip() for url in bus.nats_url.split(",") if url.strip()],
        "name": name,
        "connect_timeout": bus.nats_connect_timeout_s,
        "max_reconnect_attempts": bus.nats_max_reconnect_attempts,
        "allow_reconnect": True,
    }
    if bus.nats_creds_file:
        options["user_credentials"] = str(bus.nats_creds_file)
    if bus.nats_nkey_seed_file:
        options["nkeys_seed"] = str(bus.nats_nkey_seed_file)
    if bus.nats_user:
        options["user"] = bus.nats_user
        if bus.nats_password:
            options["password"] = bus.nats_password.get_secret_value()
    if bus.nats_token:
        options["token"] = bus.nats_token.get_secret_value()
    if bus.nats_tls_ca_file or bus.nats_tls_cert_file:
        context = ssl.create_default_context(
            cafile=str(bus.nats_tls_ca_file) if bus.nats_tls_ca_file else None
        )
        if bus.nats_tls_cert_file and bus.nats_tls_key_file:
            context.load_cert_chain(str(bus.nats_tls_cert_file), str(bus.nats_tls_key_file))
        options["tls"] = context
    return options


async def connect(bus: BusSettings, name: str) -> Client:
    async def on_error(error: Exception) -> None:
        log.warning("NATS error: %s", error)

    async def on_disconnect() -> None:
        log.warning("disconnected from NATS; reconnecting")

    async def on_reconnect() -> None:
        log.info("reconnected to NATS")

    return await nats.connect(
        **connect_options(bus, name),
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
    )
