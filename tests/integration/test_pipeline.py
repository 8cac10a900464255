"""The whole pipeline on a real nats-server with every service as a child process."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from emer_cli.analyze import AnalyzeOptions, run_analysis
from emer_common.contracts import ClueStatus, Modality
from emer_common.settings import BusSettings
from tests.conftest import REPO, SAMPLES
from tests.integration.media_factory import (
    broken_inputs,
    clip_with_unreadable_subtitle,
    video_without_audio,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One embedded run over the samples plus every kind of bad input."""
    media = tmp_path_factory.mktemp("media")
    silent = video_without_audio(media / "no_audio.mp4")
    junk = clip_with_unreadable_subtitle(media / "junk")
    broken = broken_inputs(media / "broken")
    out = tmp_path_factory.mktemp("out")
    options = AnalyzeOptions(
        inputs=(SAMPLES, silent, junk, *broken.values()),
        out_dir=out,
        bus=BusSettings(nats_url=None),
        timeout_s=600,
    )
    outcome = run_analysis(options)
    return outcome, out


def test_every_sample_gets_an_explanation_and_labels(batch) -> None:  # type: ignore[no-untyped-def]
    outcome, _ = batch
    by_clip = {r.clip_id: r for r in outcome.results}
    for name in ("happy_news", "worried_call", "angry_complaint"):
        result = by_clip[name]
        assert result.labels, result
        assert set(result.clues) == set(Modality)
        assert all(c.status is ClueStatus.OK for c in result.clues.values()), result.clues
        assert "In the video" in result.explanation
        assert result.prompt_version
    assert set(by_clip["happy_news"].labels) & {"happy", "excited", "joyful", "delighted"}


def test_each_sample_gets_its_expected_emotion(batch) -> None:  # type: ignore[no-untyped-def]
    """What `make demo` prints: every sample's labels contain one of its expected labels."""
    _, out = batch
    spec = importlib.util.spec_from_file_location(
        "demo_expected", REPO / "scripts" / "demo_expected.py"
    )
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = demo  # its dataclasses look their module up while being built
    spec.loader.exec_module(demo)
    rows = demo.compare(out)
    assert {row.clip for row in rows} == {"happy_news", "worried_call", "angry_complaint"}
    assert all(row.matches for row in rows), rows


def test_missing_audio_still_gives_a_result(batch) -> None:  # type: ignore[no-untyped-def]
    outcome, _ = batch
    result = {r.clip_id: r for r in outcome.results}["no_audio"]
    assert result.clues[Modality.AUDIO].status is ClueStatus.NO_SIGNAL
    assert result.clues[Modality.VISUAL].status is ClueStatus.OK
    assert result.labels and result.explanation


def test_unreadable_subtitle_falls_back_to_the_transcript(batch) -> None:  # type: ignore[no-untyped-def]
    outcome, _ = batch
    result = {r.clip_id: r for r in outcome.results}["junk_subtitle"]
    assert any(e.code == "subtitle_encoding_unknown" for e in result.errors)
    assert result.clues[Modality.TEXT].status is ClueStatus.OK
    assert "transcript" in result.clues[Modality.TEXT].description.lower()


def test_bad_inputs_are_rejected_with_reasons_and_the_rest_completes(batch) -> None:  # type: ignore[no-untyped-def]
    outcome, _ = batch
    codes = {Path(r.source).name: r.code for r in outcome.rejections}
    assert codes == {
        "corrupt.mp4": "unreadable_media",
        "empty.mp4": "empty_file",
        "notes.mp4": "unreadable_media",
        # the samples folder's other files are listed as skipped, not silently dropped
        "README.md": "not_media",
        "provenance.json": "not_media",
    }
    assert outcome.status.done_clips == outcome.status.total_clips == 5


def test_outputs_are_written(batch) -> None:  # type: ignore[no-untyped-def]
    _, out = batch
    lines = (out / "results.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 5
    assert all(
        r["type"] == "emer.result.v2" and "explanation" in r and "labels" in r for r in records
    )
    job = json.loads((out / "job.json").read_text())
    assert job["status"]["state"] == "done" and len(job["rejected"]) == 5
    assert (out / "report.html").read_text().startswith("<!doctype html>")
