"""Contracts, subtitles and ingest: unit tier, no bus."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from emer_cli.ingest import IngestOptions, plan_jobs, windows
from emer_common.contracts import ClipJob, ClueReport, MediaRef, Modality, decode, encode
from emer_common.media import MediaError, check_allowed, probe
from emer_common.subtitles import SubtitleError, parse_cues, read_subtitle
from tests.conftest import SAMPLES

pytestmark = pytest.mark.unit


def make_job(**overrides: object) -> ClipJob:
    fields: dict[str, object] = {
        "job_id": "j1",
        "clip_id": "c1",
        "source": "x.mp4",
        "media": MediaRef(kind="path", path="/data/x.mp4"),
    }
    fields.update(overrides)
    return ClipJob(**fields)  # type: ignore[arg-type]


def test_contracts_round_trip_are_frozen_and_tolerate_unknown_fields() -> None:
    job = make_job()
    assert decode(ClipJob, encode(job)) == job
    with pytest.raises(ValidationError):
        job.clip_id = "other"  # type: ignore[misc]
    newer = encode(job).replace(b'"job_id"', b'"added_in_v1_1": 3, "job_id"')
    assert decode(ClipJob, newer) == job
    assert job.type == "emer.clip_job.v1"


def test_ids_must_be_subject_safe() -> None:
    with pytest.raises(ValidationError):
        make_job(clip_id="a.b c")
    with pytest.raises(ValidationError):
        ClueReport(job_id="j", clip_id="c>", modality=Modality.TEXT, status="ok")  # type: ignore[arg-type]


def test_srt_and_vtt_cues() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> there\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nBye\n"
    )
    cues = parse_cues(srt)
    assert [(c.start_s, c.end_s, c.text) for c in cues] == [
        (1.0, 2.5, "Hello there"),
        (3.0, 4.0, "Bye"),
    ]
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"
    assert parse_cues(vtt)[0].text == "Hi"


def test_gb18030_subtitle_is_read_and_binary_one_rejected_clearly(tmp_path: Path) -> None:
    path = tmp_path / "x.srt"
    path.write_bytes("1\n00:00:00,000 --> 00:00:01,000\n我不知道该怎么办\n".encode("gb18030"))
    assert read_subtitle(path)[0].text == "我不知道该怎么办"
    path.write_bytes(b"\x00\x9f\x92\x00\xff" * 40)
    with pytest.raises(SubtitleError) as error:
        read_subtitle(path)
    assert error.value.code == "subtitle_encoding_unknown" and "iconv" in error.value.message


def test_long_videos_split_by_cues_else_windows() -> None:
    options = IngestOptions(max_clip_s=10, window_s=4)
    assert windows(8.0, [], options) == [(0.0, 8.0)]
    assert windows(10.0 + 2, [], options) == [(0.0, 4.0), (4.0, 8.0), (8.0, 12.0)]
    cues = parse_cues(
        "1\n00:00:00,000 --> 00:00:06,000\na\n\n2\n00:00:06,000 --> 00:00:09,000\nb\n\n"
        "3\n00:00:12,000 --> 00:00:15,000\nc\n"
    )
    assert windows(20.0, cues, options) == [(0.0, 9.0), (12.0, 15.0)]


def test_probe_reports_streams_and_rejects_bad_files(tmp_path: Path) -> None:
    info = probe(SAMPLES / "happy_news.mp4")
    assert info.has_video and info.has_audio and 3 < (info.duration_s or 0) < 8
    empty = tmp_path / "e.mp4"
    empty.write_bytes(b"")
    for path, code in ((empty, "empty_file"), (tmp_path / "missing.mp4", "not_found")):
        with pytest.raises(MediaError) as error:
            probe(path)
        assert error.value.code == code


def test_paths_outside_allowed_roots_are_refused(tmp_path: Path) -> None:
    assert check_allowed(SAMPLES / "happy_news.mp4", (SAMPLES,)).name == "happy_news.mp4"
    with pytest.raises(MediaError) as error:
        check_allowed(SAMPLES / ".." / "pyproject.toml", (SAMPLES,))
    assert error.value.code == "path_not_allowed"


def test_plan_reads_sidecars_and_manifests(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,clip_id,subtitle,labels\n"
        f"{SAMPLES / 'happy_news.mp4'},first clip,Hello!,happy;excited\n"
        f"{tmp_path / 'nope.mp4'},,,\n"
    )
    plan = plan_jobs(
        "j1", [SAMPLES / "worried_call.mp4", manifest], IngestOptions(), tuple(Modality)
    )
    by_id = {j.clip_id: j for j in plan.jobs}
    assert by_id["worried_call"].subtitle and "nobody has called" in by_id["worried_call"].subtitle
    assert by_id["first_clip"].subtitle == "Hello!"
    assert by_id["first_clip"].references and by_id["first_clip"].references.labels == (
        "happy",
        "excited",
    )
    assert [r.code for r in plan.rejections] == ["not_found"]
