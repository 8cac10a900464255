"""`emer analyze --nats-url ... --upload`: services that cannot see the files get them
through the NATS Object Store; paths outside the allowed roots are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from emer_cli.analyze import AnalyzeOptions, run_analysis
from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.contracts import ClueStatus, Modality
from emer_common.settings import BusSettings
from tests.conftest import SAMPLES

pytestmark = pytest.mark.integration


@pytest.fixture
def services(bus_settings: BusSettings, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Services with no readable media root: only object-store media can reach them."""
    running = ServiceProcesses(
        bus_env=client_env(bus_settings),
        prefix=bus_settings.subject_prefix,
        allowed_roots=(tmp_path / "nothing-here",),
        log_dir=tmp_path / "logs",
    )
    running.start()
    yield running
    running.stop()


def test_upload_reaches_services_through_the_object_store(
    bus_settings: BusSettings, services: ServiceProcesses, tmp_path: Path
) -> None:
    uploaded = run_analysis(
        AnalyzeOptions(
            inputs=(SAMPLES / "happy_news.mp4",),
            out_dir=tmp_path / "up",
            bus=bus_settings,
            upload=True,
            timeout_s=300,
        )
    )
    (result,) = uploaded.results
    assert result.clues[Modality.VISUAL].status is ClueStatus.OK
    assert result.clues[Modality.AUDIO].status is ClueStatus.OK
    assert result.labels

    by_path = run_analysis(
        AnalyzeOptions(
            inputs=(SAMPLES / "worried_call.mp4",),
            out_dir=tmp_path / "path",
            bus=bus_settings,
            timeout_s=300,
        )
    )
    (refused,) = by_path.results
    visual = refused.clues[Modality.VISUAL]
    assert visual.status is ClueStatus.ERROR and visual.error is not None
    assert visual.error.code == "path_not_allowed"
