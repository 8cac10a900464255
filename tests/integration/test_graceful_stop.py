"""SIGTERM drains a service: it stops fetching, finishes, closes the bus and exits 0."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.settings import BusSettings
from tests.integration.waiting import wait_ready

pytestmark = pytest.mark.integration


async def test_sigterm_stops_a_service_cleanly(bus_settings: BusSettings, tmp_path: Path) -> None:
    services = ServiceProcesses(
        bus_env=client_env(bus_settings),
        prefix=bus_settings.subject_prefix,
        allowed_roots=(tmp_path,),
        log_dir=tmp_path / "logs",
        services=("text",),
    )
    services.start()
    try:
        await wait_ready(services, "text", 90)
        process = services.processes["text"]
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 30)
        assert code == 0
        assert time.monotonic() - started < 15  # no 30 s drain() hang on open subscriptions
        assert "text stopped" in (tmp_path / "logs" / "text.log").read_text()
    finally:
        services.stop()
