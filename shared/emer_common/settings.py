"""Settings shared by every service: how to reach the bus and where media may be read.

Each service has one settings class of its own (``emer_visual.settings`` and so on) with an
env prefix of its own; they embed the classes here, which read the ``EMER_`` prefix, so one
set of connection variables serves a whole deployment. Secrets can be given as files
(``*_file`` fields, or a ``secrets_dir`` mounted from a Kubernetes Secret).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BusSettings(BaseSettings):
    """Connection to NATS and the names of emer's streams."""

    model_config = SettingsConfigDict(env_prefix="EMER_", extra="ignore", frozen=True)

    nats_url: str | None = Field(
        default=None,
        description="nats:// or tls:// URL(s), comma separated. Unset: the CLI embeds a server.",
    )
    nats_creds_file: Path | None = Field(default=None, description="NATS .creds (JWT + nkey).")
    nats_nkey_seed_file: Path | None = Field(default=None, description="NATS nkey seed file.")
    nats_user: str | None = Field(default=None, description="User for user/password auth.")
    nats_password: SecretStr | None = Field(default=None, description="Password (secret).")
    nats_token: SecretStr | None = Field(default=None, description="Token auth (secret).")
    nats_tls_ca_file: Path | None = Field(default=None, description="CA bundle for TLS.")
    nats_tls_cert_file: Path | None = Field(default=None, description="Client certificate.")
    nats_tls_key_file: Path | None = Field(default=None, description="Client key.")
    nats_connect_timeout_s: float = Field(default=5.0, description="Seconds per attempt.")
    nats_max_reconnect_attempts: int = Field(default=60, description="Then the service exits.")
    subject_prefix: str = Field(
        default="emer",
        pattern=r"^[a-z][a-z0-9_]{0,31}$",
        description="Prefix of every subject, stream, consumer and bucket name.",
    )
    stream_replicas: int = Field(default=1, ge=1, le=5, description="JetStream replicas.")
    stream_max_age_s: float = Field(
        default=7 * 24 * 3600.0, gt=0, description="Messages and KV entries expire after this."
    )
    duplicate_window_s: float = Field(
        default=2 * 3600.0, gt=0, description="Nats-Msg-Id dedupe window of every stream."
    )
    declare_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="How long to retry stream declarations while a cluster elects its leader.",
    )


class MediaSettings(BaseSettings):
    """Where services may read media from, and where they stage object-store downloads."""

    model_config = SettingsConfigDict(env_prefix="EMER_MEDIA_", extra="ignore", frozen=True)

    allowed_roots: tuple[Path, ...] = Field(
        default=(),
        description="Media paths must resolve inside one of these. Empty: only object-store "
        "media are accepted.",
    )
    staging_dir: Path | None = Field(
        default=None, description="Where object-store media are written; default a temp dir."
    )


class WorkerSettings(BaseSettings):
    """Delivery semantics of a service's pull consumer."""

    model_config = SettingsConfigDict(env_prefix="EMER_WORKER_", extra="ignore", frozen=True)

    batch_size: int = Field(default=1, ge=1, le=256, description="Messages per fetch.")
    max_in_flight: int = Field(
        default=1, ge=1, le=256, description="Messages handled at once by one process."
    )
    ack_wait_s: float = Field(
        default=60.0, gt=0, description="Redelivery after this long without ack/heartbeat."
    )
    max_deliver: int = Field(
        default=5, ge=1, description="Attempts before a message is dead-lettered."
    )
    backoff_s: tuple[float, ...] = Field(
        default=(1.0, 5.0, 15.0, 60.0), description="Nak delay after the 1st, 2nd, ... failure."
    )
    fetch_timeout_s: float = Field(default=2.0, gt=0, description="Long-poll of one fetch.")
    heartbeat_s: float = Field(
        default=10.0, gt=0, description="in_progress interval while a handler runs."
    )


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class ServiceSettings(BaseSettings):
    """Fields every service's settings class has; each subclass sets its own env prefix."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    health_host: str = Field(
        default="0.0.0.0",
        description="Address of /livez and /readyz; the embedded mode uses 127.0.0.1.",
    )
    health_port: int = Field(
        default=8080, ge=0, le=65535, description="Port of the health endpoint; 0: any free port."
    )
    log_level: LogLevel = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
