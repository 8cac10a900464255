"""Bus settings become the nats.connect options a secured cluster needs."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from emer_common.bus.connection import BusNotConfiguredError, connect_options
from emer_common.settings import BusSettings

pytestmark = pytest.mark.unit


def test_credentials_token_user_and_servers(tmp_path: Path) -> None:
    creds = tmp_path / "user.creds"
    creds.write_text("dummy")
    settings = BusSettings(
        nats_url="nats://a:4222, nats://b:4222",
        nats_creds_file=creds,
        nats_user="emer",
        nats_password="s3cret",
        nats_token="tok",
    )
    options = connect_options(settings, "emer-test")
    assert options["servers"] == ["nats://a:4222", "nats://b:4222"]
    assert options["user_credentials"] == str(creds)
    assert (options["user"], options["password"], options["token"]) == ("emer", "s3cret", "tok")
    assert "s3cret" not in repr(settings)  # secrets never show in logs


def test_tls_context_from_ca_file() -> None:
    ca = Path(ssl.get_default_verify_paths().openssl_cafile)
    if not ca.exists():
        pytest.skip(f"no system CA bundle at {ca}")
    options = connect_options(BusSettings(nats_url="tls://x:4222", nats_tls_ca_file=ca), "t")
    assert isinstance(options["tls"], ssl.SSLContext)


def test_environment_variables_configure_the_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMER_NATS_URL", "nats://cluster:4222")
    monkeypatch.setenv("EMER_SUBJECT_PREFIX", "prod")
    settings = BusSettings()
    assert settings.nats_url == "nats://cluster:4222" and settings.subject_prefix == "prod"


def test_missing_url_says_how_to_fix_it() -> None:
    with pytest.raises(BusNotConfiguredError, match="EMER_NATS_URL"):
        connect_options(BusSettings(nats_url=None), "t")
