"""The delivery guarantees under injected faults (see tests/chaos/harness.py).

The full run (`make chaos`: 2 replicas of every service, each service killed in turn, the jobs
stream's leader node killed and restarted, a fusion replica stopped past its ack_wait) is in
the slow tier; the short run (1 replica of each service, audio killed, the leader node killed
and restarted) is in the default tier.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.chaos.harness import run_chaos

pytestmark = pytest.mark.chaos


def _run(clips: int, replicas: int, root: Path, short: bool) -> None:
    report = asyncio.run(run_chaos(clips, replicas, root, short))
    print(report.table())
    assert report.problems() == []  # includes: every planned fault was injected
    assert report.reference.faults == []


@pytest.mark.integration
@pytest.mark.timeout(900)
def test_short_chaos_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    _run(clips=9, replicas=1, root=tmp_path, short=True)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_full_chaos_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    _run(clips=30, replicas=2, root=tmp_path, short=False)
