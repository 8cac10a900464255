"""Connecting to NATS with the options a secured cluster needs."""

from __future__ import annotations

import logging
import ssl
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client

from emer_common.errors import BusAccessError, ConfigurationError
from emer_common.settings import BusSettings

log = logging.getLogger(__name__)


class BusNotConfiguredError(ConfigurationError):
    """No NATS URL was given."""


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


def client_env(bus: BusSettings) -> dict[str, str]:
    """Environment variables that give a child process the same bus URL and secrets."""
    env = {"EMER_NATS_URL": bus.nats_url or ""}
    if bus.nats_token:
        env["EMER_NATS_TOKEN"] = bus.nats_token.get_secret_value()
    if bus.nats_user:
        env["EMER_NATS_USER"] = bus.nats_user
    if bus.nats_password:
        env["EMER_NATS_PASSWORD"] = bus.nats_password.get_secret_value()
    for name, path in (
        ("EMER_NATS_CREDS_FILE", bus.nats_creds_file),
        ("EMER_NATS_NKEY_SEED_FILE", bus.nats_nkey_seed_file),
        ("EMER_NATS_TLS_CA_FILE", bus.nats_tls_ca_file),
        ("EMER_NATS_TLS_CERT_FILE", bus.nats_tls_cert_file),
        ("EMER_NATS_TLS_KEY_FILE", bus.nats_tls_key_file),
    ):
        if path is not None:
            env[name] = str(path)
    return env


def credential_kind(bus: BusSettings) -> str:
    """Which kind of credential the settings present, in words, for error messages."""
    if bus.nats_creds_file:
        return f"the credentials file {bus.nats_creds_file} (EMER_NATS_CREDS_FILE)"
    if bus.nats_nkey_seed_file:
        return f"the nkey seed {bus.nats_nkey_seed_file} (EMER_NATS_NKEY_SEED_FILE)"
    if bus.nats_user:
        return f"user {bus.nats_user!r} with a password (EMER_NATS_USER, EMER_NATS_PASSWORD)"
    if bus.nats_token:
        return "a token (EMER_NATS_TOKEN)"
    return "no credentials (set EMER_NATS_CREDS_FILE, EMER_NATS_USER or EMER_NATS_TOKEN)"


AUTH_FAILURES = ("authorization violation", "authentication", "user authentication expired")


def is_access_denied(error: Exception) -> bool:
    """Whether a connection error means the server rejected who we are."""
    text = str(error).lower()
    return isinstance(error, nats.errors.AuthorizationError) or any(
        marker in text for marker in AUTH_FAILURES
    )


async def connect(bus: BusSettings, name: str) -> Client:
    """Connect, or fail at once with a plain message when the server rejects the credentials.

    Wrong credentials are not an outage: instead of minutes of reconnect attempts the first
    rejection raises ``BusAccessError`` naming the server and the credential tried.
    """
    connected = False
    client: Client | None = None

    async def on_error(error: Exception) -> None:
        if not connected and is_access_denied(error):
            reason = str(error).removeprefix("nats: ").strip("'")
            raise BusAccessError(
                f"the NATS server at {bus.nats_url} refused the connection for "
                f"{credential_kind(bus)}: {reason}; check the credentials and the account's "
                "permissions"
            )
        log.warning("NATS error: %s", error)

    async def on_disconnect() -> None:
        if client is None or not (client.is_closed or client.is_draining):  # not our close
            log.warning("disconnected from NATS; reconnecting")

    async def on_reconnect() -> None:
        log.info("reconnected to NATS")

    client = await nats.connect(
        **connect_options(bus, name),
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
    )
    connected = True
    return client
