"""The `emer` command line: argument checks and the all-rejected path (no bus needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emer_cli.main import app

pytestmark = pytest.mark.unit
runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("analyze", "serve", "bus", "score", "eval", "k8s"):
        assert command in result.output


def test_invalid_job_id_is_refused() -> None:
    result = runner.invoke(app, ["analyze", "samples", "--job-id", "a.b"])
    assert result.exit_code == 2
    assert "--job-id" in result.output


def test_only_bad_inputs_write_a_report_and_fail(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["analyze", str(empty), str(tmp_path / "nope.mp4"), "--out", str(out)]
    )
    assert result.exit_code == 1
    job = json.loads((out / "job.json").read_text())
    assert job["status"]["state"] == "failed"
    assert sorted(r["code"] for r in job["rejected"]) == ["empty_file", "not_found"]
    assert (out / "results.jsonl").read_text() == ""


def test_unknown_service_is_refused() -> None:
    result = runner.invoke(app, ["serve", "sound"])
    assert result.exit_code == 2
