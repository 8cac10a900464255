"""The `emer` command line: argument checks and the all-rejected path (no bus needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
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


def test_no_recursive_lists_subfolders_as_skipped(tmp_path: Path) -> None:
    inner = tmp_path / "batch" / "inner"
    inner.mkdir(parents=True)
    (inner / "empty.mp4").write_bytes(b"")
    for flag, code in (("--no-recursive", "subfolder"), ("--recursive", "empty_file")):
        out = tmp_path / flag
        result = runner.invoke(app, ["analyze", str(tmp_path / "batch"), "--out", str(out), flag])
        assert result.exit_code == 1, result.output
        job = json.loads((out / "job.json").read_text())
        assert [r["code"] for r in job["rejected"]] == [code]


def test_subtitle_language_preference_reaches_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import emer_cli.analyze

    seen = []

    def capture(options, console):  # type: ignore[no-untyped-def]
        seen.append(options.ingest)
        raise typer.Exit(code=0)

    monkeypatch.setattr(emer_cli.analyze, "run_analysis", capture)
    args = ["analyze", str(tmp_path), "--out", str(tmp_path / "o")]
    runner.invoke(app, [*args, "--subtitle-language", "zh,en", "--subtitle-language", "pt-BR"])
    runner.invoke(app, args)
    assert [o.subtitle_languages for o in seen] == [("zh", "en", "pt-BR"), ()]
    assert seen[0].recursive and seen[1].recursive

    refused = runner.invoke(app, [*args, "--subtitle-language", "../x"])
    assert refused.exit_code == 2
    assert "--subtitle-language" in refused.output and "not a language tag" in refused.output


def test_analyze_help_names_the_ingest_flags() -> None:
    result = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"})
    assert "--no-recursive" in result.output and "--subtitle-language" in result.output
