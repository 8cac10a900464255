"""Subtitles through pysubs2: formats, encodings, impossible times, hostile sizes and shapes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from emer_common.subtitles import (
    SubtitleError,
    find_sidecar,
    parse_track,
    read_subtitle,
    read_subtitle_track,
    sidecar_candidates,
)

pytestmark = pytest.mark.unit

SRT = (
    "1\n00:00:01,000 --> 00:00:02,500\n<i>我真的很高興</i> 見到你\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\n謝謝你的幫忙，朋友。\n"
)


def test_srt_vtt_ass_and_microdvd_are_read() -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v.loud Roger Bingham>Fish &amp; chips\n"
    assert [c.text for c in parse_track(vtt).cues] == ["Roger Bingham: Fish & chips"]
    ass = (
        "[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, Name, "
        "MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:01.00,0:00:02.00,Default,Bob,0,0,0,,{\\i1}Hi{\\i0} there\\Nfriend\n"
    )
    assert [(c.start_s, c.text) for c in parse_track(ass).cues] == [(1.0, "Hi there friend")]
    microdvd = "{25}{50}Hello|world\n{75}{100}Two\n"
    assert [(c.start_s, c.end_s, c.text) for c in parse_track(microdvd, fps=25).cues] == [
        (1.0, 2.0, "Hello world"),
        (3.0, 4.0, "Two"),
    ]


SIMPLIFIED = SRT.replace("高興", "高兴").replace("見到", "见到").replace("謝謝", "谢谢")
SIMPLIFIED = SIMPLIFIED.replace("幫忙", "帮忙")


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030", "big5"]
)
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    text = SIMPLIFIED if encoding == "gb18030" else SRT
    path = tmp_path / "clip.srt"
    path.write_bytes(text.encode(encoding))
    lines = text.split("\n")
    assert [c.text for c in read_subtitle(path)] == [
        lines[2].replace("<i>", "").replace("</i>", ""),
        lines[6],
    ]


def test_short_gb18030_line_and_western_code_page(tmp_path: Path) -> None:
    path = tmp_path / "clip.srt"
    path.write_bytes("1\n00:00:00,300 --> 00:00:03,000\n我不知道该怎么办\n".encode("gb18030"))
    assert read_subtitle(path)[0].text == "我不知道该怎么办"
    path.write_bytes("1\n00:00:00,300 --> 00:00:03,000\nÇa va très bien.\n".encode("cp1252"))
    assert read_subtitle(path)[0].text == "Ça va très bien."


def test_negative_and_reversed_times_are_refused() -> None:
    track = parse_track(
        "1\n-1:00:00,000 --> 00:00:02,000\nneg\n\n2\n00:00:05,000 --> 00:00:03,000\nrev\n\n"
        "3\n00:00:06,000 --> 00:00:07,000\nok\n"
    )
    assert [c.text for c in track.cues] == ["ok"] and track.skipped == 2


def test_only_impossible_times_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "clip.srt"
    path.write_text("1\n00:00:05,000 --> 00:00:03,000\nrev\n")
    with pytest.raises(SubtitleError) as raised:
        read_subtitle_track(path)
    assert raised.value.code == "subtitle_unparsable" and "reversed" in raised.value.message


@pytest.mark.parametrize(
    "body",
    [
        "1\n" + "1" * 1_000_000 + "\n",  # took hours with the old timestamp regex
        "WEBVTT\n\n00:01.000 --> 00:02.000\n" + "<v " * 300_000,  # quadratic in pysubs2
        "1\n00:00:01,000 --> 00:00:02,000\n" + "{\\i " * 300_000,
        "1\n00:00:01,000 --> 00:00:02,000\n" + "<" * 1_000_000 + ">",
    ],
)
def test_hostile_shapes_parse_in_linear_time(body: str) -> None:
    started = time.perf_counter()
    try:
        parse_track(body)
    except SubtitleError:
        pass
    assert time.perf_counter() - started < 3.0


def test_large_fifo_and_device_sidecars_are_refused_without_reading(tmp_path: Path) -> None:
    import os

    big = tmp_path / "big.srt"
    big.write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nx\n\n")
    os.truncate(big, 17 * 1024 * 1024)  # sparse: over the 16 MB limit without writing it
    fifo = tmp_path / "fifo.srt"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.srt"
    zero.symlink_to("/dev/zero")
    for path, code in (
        (big, "subtitle_too_large"),
        (fifo, "subtitle_not_a_file"),
        (zero, "subtitle_not_a_file"),
    ):
        with pytest.raises(SubtitleError) as raised:
            read_subtitle(path)
        assert raised.value.code == code
        assert path.name in raised.value.message


def test_language_tagged_sidecars_follow_the_preference(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"")
    for name in ("clip.zh.vtt", "clip.en.srt", "clip.srt.bak", "other.en.srt"):
        (tmp_path / name).write_text("WEBVTT\n")
    assert find_sidecar(video) == tmp_path / "clip.en.srt"
    assert find_sidecar(video, ("zh",)) == tmp_path / "clip.zh.vtt"
    (tmp_path / "clip.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    assert sidecar_candidates(video, ("zh",))[:2] == [
        tmp_path / "clip.zh.vtt",
        tmp_path / "clip.srt",
    ]
    assert find_sidecar(video) == tmp_path / "clip.srt"
