"""Inputs as users have them: none takes the batch down or escapes its roots (issue #14).

Each case of the issue is reproduced here: it becomes a per-input rejection or a per-clip
error, and the rest of the batch is planned as before.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from emer_cli.ingest import IngestOptions, IngestPlan, clip_token, plan_jobs, windows
from emer_common.contracts import CLIP_ID_PATTERN, Modality, encode
from emer_common.subtitles import Cue, text_in_span, texts_in_spans
from tests.conformance_media import make_media
from tests.conftest import SAMPLES

pytestmark = pytest.mark.unit

CLIP = SAMPLES / "happy_news.mp4"
OPEN = IngestOptions(allowed_roots=())


def plan(*inputs: Path, options: IngestOptions = OPEN, modalities=tuple(Modality)) -> IngestPlan:
    return plan_jobs("j1", list(inputs), options, modalities)


def codes(result: IngestPlan) -> dict[str, str]:
    return {Path(r.source.split(":")[0]).name: r.code for r in result.rejections}


def folder_of_clips(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        shutil.copy(CLIP, folder / f"clip{index:02d}.mp4")
    return folder


def test_a_5_mb_srt_beside_one_clip_leaves_the_batch_intact(tmp_path: Path) -> None:
    folder = folder_of_clips(tmp_path / "batch", 18)
    cue = "1\n00:00:00,000 --> 00:00:03,000\n" + "word " * 40 + "\n\n"
    (folder / "clip03.srt").write_text(cue * (5_000_000 // len(cue)))
    result = plan(folder)
    assert len(result.jobs) == 18 and not result.rejections
    big = next(j for j in result.jobs if j.clip_id == "clip03")
    assert big.subtitle is None and big.subtitle_error is not None
    assert big.subtitle_error.code == "subtitle_too_large"
    assert all(len(encode(job)) < 1024 * 1024 for job in result.jobs)


def long_subtitle(path: Path, span_s: float, span_chars: int, total_bytes: int) -> str:
    """An SRT with ``span_chars`` of text inside the first ``span_s`` seconds (ending in a
    marker), padded with later cues to ``total_bytes``; returns the span's last words."""
    cues, number, written = [], 0, 0
    per_cue = 400
    count = span_chars // per_cue
    for index in range(count):
        start = span_s * index / count
        words = f"line {index} " + "calm " * ((per_cue - 12) // 5)
        if index == count - 1:
            words += " THE LAST WORDS OF THE SPAN"
        number += 1
        cues.append(f"{number}\n{srt_time(start)} --> {srt_time(start + 0.01)}\n{words}\n\n")
        written += len(cues[-1])
    later = span_s + 60.0
    while written < total_bytes:
        number += 1
        cues.append(f"{number}\n{srt_time(later)} --> {srt_time(later + 1)}\n{'far ' * 60}\n\n")
        written += len(cues[-1])
        later += 2
    path.write_text("".join(cues))
    return "THE LAST WORDS OF THE SPAN"


def srt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, minutes = millis // 3_600_000, millis // 60_000 % 60
    return f"{hours:02d}:{minutes:02d}:{millis // 1000 % 60:02d},{millis % 1000:03d}"


def test_a_long_subtitle_is_carried_whole_for_the_clips_span(tmp_path: Path) -> None:
    """On main a 3 MB sidecar was refused (over 2 MB) and a clip's text was cut at 16 000
    characters; now the span's 100 000 characters are planned whole (they travel to the
    text service by reference, see ``emer_common.subtitle_store``)."""
    video = tmp_path / "talk.mp4"
    shutil.copy(CLIP, video)
    last = long_subtitle(tmp_path / "talk.srt", 4.0, 100_000, 3_000_000)
    (job,) = plan(video).jobs
    assert job.subtitle_error is None
    assert job.subtitle is not None and len(job.subtitle) > 90_000
    assert job.subtitle.startswith("line 0 ")
    assert job.subtitle.endswith(last)


def test_text_over_the_hard_limit_is_a_per_clip_error(tmp_path: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    rows = [
        {"path": str(CLIP), "clip_id": "huge", "subtitle": "so " * 600_000},
        {"path": str(CLIP), "clip_id": "fine", "subtitle": "so " * 60_000},
    ]
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    huge, fine = plan(manifest).jobs
    assert huge.subtitle is None and huge.subtitle_error is not None
    assert huge.subtitle_error.code == "subtitle_too_large"
    assert "1799999 characters" in huge.subtitle_error.message
    assert "Exception" not in huge.subtitle_error.message
    assert fine.subtitle is not None and len(fine.subtitle) == len(("so " * 60_000).strip())


def test_bad_jsonl_rows_are_rejected_row_by_row(tmp_path: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    rows = [
        json.dumps({"path": str(CLIP), "clip_id": "good1"}),
        "[1,2]",
        '{"path": "broken',
        json.dumps({"clip_id": "no path"}),
        json.dumps({"path": str(CLIP), "labels": 3}),
        json.dumps({"path": str(CLIP), "clip_id": "good2"}),
    ]
    manifest.write_text("\n".join(rows) + "\n")
    result = plan(manifest)
    assert [j.clip_id for j in result.jobs] == ["good1", "good2"]
    assert [r.source for r in result.rejections] == [f"{manifest}:{n}" for n in (2, 3, 4, 5)]
    assert {r.code for r in result.rejections} == {"invalid_manifest_row"}
    assert (
        "line 2" in result.rejections[0].message and "not an object" in result.rejections[0].message
    )


def test_bad_csv_rows_are_rejected_and_good_ones_kept(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        f'path,clip_id\n{CLIP},first\n"{CLIP}\0",nul\n,empty\n{CLIP},last\n'
        f'{CLIP},huge,"{"x" * 200_000}"\n'
    )
    result = plan(manifest)
    assert [j.clip_id for j in result.jobs] == ["first", "last"]
    assert [r.message.split(": ", 1)[1] for r in result.rejections] == [
        "its path contains a NUL character.",
        "it has no 'path'.",
        "it is not valid CSV (field larger than field limit (131072)); later lines unread.",
    ]


def test_long_shared_clip_ids_are_shortened_with_a_stable_hash(tmp_path: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    long_id = "interview " * 30
    manifest.write_text(
        "".join(json.dumps({"path": str(CLIP), "clip_id": long_id}) + "\n" for _ in range(10))
    )
    result = plan(manifest)
    ids = [j.clip_id for j in result.jobs]
    assert len(ids) == 10 == len(set(ids))
    assert all(CLIP_ID_PATTERN.match(i) for i in ids)
    assert ids[0] == clip_token(long_id) == clip_token(long_id)
    assert clip_token(long_id) != clip_token(long_id + "x")


def test_fifo_sidecar_does_not_hang_ingest(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    shutil.copy(CLIP, video)
    os.mkfifo(tmp_path / "clip.srt")
    outcome: list[IngestPlan] = []
    worker = threading.Thread(target=lambda: outcome.append(plan(video)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert outcome, "ingest hung on a FIFO sidecar"
    (job,) = outcome[0].jobs
    assert job.subtitle_error is not None and job.subtitle_error.code == "subtitle_not_a_file"


def test_dev_zero_sidecar_is_not_read(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    shutil.copy(CLIP, video)
    (tmp_path / "clip.srt").symlink_to("/dev/zero")
    (job,) = plan(video).jobs
    assert job.subtitle_error is not None and job.subtitle_error.code == "subtitle_not_a_file"


def test_a_line_of_digits_in_an_srt_is_read_in_linear_time(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    shutil.copy(CLIP, video)
    (tmp_path / "clip.srt").write_text("1\n" + "7" * 1_000_000 + "\n")
    started = time.perf_counter()
    (job,) = plan(video).jobs
    assert time.perf_counter() - started < 5
    assert job.subtitle_error is not None and job.subtitle_error.code == "subtitle_unparsable"


def test_negative_and_reversed_cues_are_reported(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    shutil.copy(CLIP, video)
    (tmp_path / "clip.srt").write_text(
        "1\n-1:00:00,000 --> 00:00:01,000\nnegative\n\n"
        "2\n00:00:03,000 --> 00:00:02,000\nreversed\n\n"
        "3\n00:00:00,500 --> 00:00:02,000\nfine\n"
    )
    (job,) = plan(video).jobs
    assert job.subtitle == "fine"
    assert job.subtitle_error is not None and job.subtitle_error.code == "subtitle_cues_skipped"
    assert "2 cue(s)" in job.subtitle_error.message


def test_folders_are_scanned_recursively_and_every_skip_is_listed(tmp_path: Path) -> None:
    folder = tmp_path / "media"
    (folder / "day1" / "cam2").mkdir(parents=True)
    shutil.copy(CLIP, folder / "a.mp4")
    shutil.copy(CLIP, folder / "day1" / "cam2" / "deep.mp4")
    shutil.copy(CLIP, folder / "no_suffix_video")  # recognised by probing
    make_media(folder / "day1" / "broadcast.ts", np.zeros(22_050, np.float32), "mpeg2", "ac3")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not media" * 10)
    (folder / "release.nfo").write_text("ripped by nobody\n" * 5)  # FFmpeg's tty demuxer
    (folder / "loop.mp4").symlink_to(folder / "loop.mp4")
    (folder / ".DS_Store").write_bytes(b"\x00" * 10)
    (folder / "escape.mp4").symlink_to(CLIP)  # a link out of the folder
    (folder / "day1" / "back").symlink_to(folder)  # a folder loop
    os.mkfifo(folder / "pipe.mp4")
    (folder / "a.en.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    (folder / "lost.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    (folder / "old_run.jsonl").write_text("{}\n")
    result = plan(folder)
    assert sorted(Path(j.source).name for j in result.jobs) == [
        "a.mp4",
        "broadcast.ts",
        "deep.mp4",
        "no_suffix_video",
    ]
    assert codes(result) == {
        "notes.docx": "not_media",
        "release.nfo": "not_media",
        "loop.mp4": "symlink_loop",
        ".DS_Store": "hidden_file",
        "escape.mp4": "path_not_allowed",
        "pipe.mp4": "not_a_file",
        "lost.srt": "orphan_subtitle",
        "old_run.jsonl": "manifest_in_folder",
    }
    assert next(j for j in result.jobs if Path(j.source).name == "a.mp4").subtitle == "hi"
    flat = plan(folder, options=IngestOptions(allowed_roots=(), recursive=False))
    assert "day1" in codes(flat) and codes(flat)["day1"] == "subfolder"


def test_manifest_paths_may_not_climb_out_of_its_folder(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    shutil.copy(CLIP, secret / "x.mp4")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(CLIP, inbox / "ok.mp4")
    (inbox / "link.mp4").symlink_to(secret / "x.mp4")
    manifest = inbox / "m.csv"
    manifest.write_text("path\nok.mp4\n../secret/x.mp4\nlink.mp4\n")
    result = plan(manifest)
    assert [Path(j.source).name for j in result.jobs] == ["ok.mp4"]
    assert [r.code for r in result.rejections] == ["path_not_allowed", "path_not_allowed"]


def test_a_sidecar_linking_out_of_the_folder_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "private.srt"
    outside.write_text("1\n00:00:00,000 --> 00:00:01,000\nsecret words\n")
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(CLIP, folder / "clip.mp4")
    (folder / "clip.srt").symlink_to(outside)
    (job,) = plan(folder).jobs
    assert job.subtitle is None
    assert job.subtitle_error is not None and job.subtitle_error.code == "path_not_allowed"


def test_allowed_roots_are_enforced_at_ingest_in_every_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "allowed"
    root.mkdir()
    shutil.copy(CLIP, root / "in.mp4")
    (root / "out.mp4").symlink_to(CLIP)
    monkeypatch.setenv("EMER_MEDIA_ALLOWED_ROOTS", json.dumps([str(root)]))
    options = IngestOptions()  # picks EMER_MEDIA_ALLOWED_ROOTS up, embedded mode included
    assert options.allowed_roots == (root,)
    result = plan(root / "in.mp4", root / "out.mp4", CLIP, options=options)
    assert [Path(j.source).name for j in result.jobs] == ["in.mp4"]
    assert [r.code for r in result.rejections] == ["path_not_allowed", "path_not_allowed"]
    assert all(Path(j.media.path or "").is_relative_to(root) for j in result.jobs)


def test_audio_only_and_still_images_are_results_not_rejections(tmp_path: Path) -> None:
    from PIL import Image

    audio = make_media(tmp_path / "call.wav", np.zeros(22_050, np.float32), None, "pcm")
    image = tmp_path / "face.png"
    Image.fromarray(np.full((48, 64, 3), 120, np.uint8)).save(image)
    result = plan(audio, image)
    by_name = {Path(j.source).name: j for j in result.jobs}
    assert not result.rejections
    assert by_name["call.wav"].modalities == tuple(Modality)  # visual answers "no video"
    assert by_name["face.png"].modalities == (Modality.VISUAL,)
    only_audio = plan(image, modalities=(Modality.AUDIO,))
    assert [r.code for r in only_audio.rejections] == ["nothing_to_analyse"]


SUBTITLE_SOURCES = {
    ".srt": "1\n00:00:00,500 --> 00:00:02,000\nHello <i>there</i> &amp; welcome\n",
    ".ass": "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname, "
    "Fontsize\nStyle: Default,Arial,20\n\n[Events]\nFormat: Layer, Start, End, Style, Name, "
    "MarginL, MarginR, MarginV, Effect, Text\nDialogue: 0,0:00:00.50,0:00:02.00,Default,,0,0,"
    "0,,Hello {\\i1}there{\\i0} & welcome\n",
}


@pytest.mark.parametrize("kind", sorted(SUBTITLE_SOURCES))
def test_embedded_subtitle_stream_is_used_without_a_sidecar(tmp_path: Path, kind: str) -> None:
    import av

    source = tmp_path / f"source{kind}"
    source.write_text(SUBTITLE_SOURCES[kind])
    video = make_media(tmp_path / "plain.mkv", np.zeros(22_050 * 2, np.float32), "h264", "aac")
    muxed = tmp_path / "with_subs.mkv"
    with (
        av.open(str(video)) as media,
        av.open(str(source)) as subs,
        av.open(str(muxed), "w") as out,
    ):
        streams = {s.index: out.add_stream_from_template(s) for s in media.streams}
        sub_out = out.add_stream_from_template(subs.streams.subtitles[0])
        for packet in media.demux():
            if packet.size:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
        for packet in subs.demux():
            if packet.size:
                packet.stream = sub_out
                out.mux(packet)
    (job,) = plan(muxed).jobs
    assert job.subtitle == "Hello there & welcome"
    assert job.subtitle_source and "embedded" in job.subtitle_source


def test_cues_after_the_end_of_the_video_make_no_clips() -> None:
    """On main a 30 s video with a subtitle of 100 cues over 200 s gave 12 clips, 10 of them
    after the video's end; a long sidecar (hours of cues) gave thousands."""
    cues = [Cue(i * 2.0, i * 2.0 + 1, f"cue {i}") for i in range(100)]
    spans = windows(30.0, cues, OPEN)
    assert spans == [(0.0, 15.0), (16.0, 29.0)]


def test_the_text_of_every_span_is_found_without_rescanning_the_cues() -> None:
    """200 000 cues over 111 hours: on main each clip rescanned every cue (quadratic)."""
    cues = [Cue(i * 2.0, i * 2.0 + 1.5, f"cue {i}") for i in range(200_000)]
    spans = windows(400_000.0, cues, OPEN)
    started = time.perf_counter()
    texts = texts_in_spans(cues, spans)
    assert time.perf_counter() - started < 10  # quadratic: hours
    assert len(texts) == len(spans) > 20_000
    assert texts[0] == " ".join(f"cue {i}" for i in range(7))
    assert texts[1] == text_in_span(cues, *spans[1])
    assert texts[-1] == text_in_span(cues, *spans[-1])
