"""What the local stack's launcher gives its children: which services, which environment."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from emer_cli.analyze import _needed_services
from emer_cli.processes import ServiceProcesses
from emer_common.contracts import ClipJob, MediaRef, References
from emer_common.services import SERVICE_NAMES

pytestmark = pytest.mark.unit


def job(clip: str, references: References | None = None) -> ClipJob:
    media = MediaRef(kind="path", path="/x.mp4")
    return ClipJob(job_id="j", clip_id=clip, source=clip, media=media, references=references)


def test_scoring_runs_only_when_a_clip_carries_references() -> None:
    assert "scoring" not in _needed_services([job("a"), job("b")])
    with_refs = [job("a"), job("b", References(labels=("happy",)))]
    assert _needed_services(with_refs) == SERVICE_NAMES


def test_children_wait_passively_and_run_only_their_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[list[str], dict[str, str]]] = []

    class Recorder:
        def __init__(self, command: list[str], env: dict[str, str], **_: object) -> None:
            started.append((command, env))

    monkeypatch.setattr("emer_cli.processes.subprocess.Popen", Recorder)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    processes = ServiceProcesses({}, "emer", (tmp_path,), tmp_path, services=("text",))
    processes.start()
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")  # a user's own choice wins
    processes.start_one("text")
    (first, env), (_, chosen) = started
    assert first == [sys.executable, "-m", "emer_cli.serve", "text"]
    assert env["OMP_WAIT_POLICY"] == "PASSIVE" and chosen["OMP_WAIT_POLICY"] == "ACTIVE"
