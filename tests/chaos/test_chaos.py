"""The delivery guarantees under injected faults (see tests/chaos/harness.py).

The full run (`make chaos`, 30 clips, 2 replicas of every service) is in the slow tier; the
short run (9 clips, 1 replica of each service, the same faults) is in the default tier.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.chaos.harness import FAULTS_PLANNED, run_chaos

pytestmark = pytest.mark.chaos


def _run(clips: int, replicas: int, root: Path) -> None:
    report = asyncio.run(run_chaos(clips, replicas, root))
    print(report.table())
    assert report.problems() == []
    assert len(report.chaos.faults) == FAULTS_PLANNED, report.chaos.faults
    assert report.reference.faults == []


@pytest.mark.integration
@pytest.mark.timeout(900)
def test_short_chaos_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    _run(clips=9, replicas=1, root=tmp_path)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_full_chaos_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    _run(clips=30, replicas=2, root=tmp_path)
