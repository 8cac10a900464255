"""Reading subtitle files: UTF-8 / UTF-16 text, and a clear status for anything else.

Ingest reads sidecars with these functions and records a decoding failure in the job
(``ClipJob.subtitle_error``); the services never open subtitle files themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from emer_common.subtitles import SubtitleError, read_subtitle, text_in_span

pytestmark = pytest.mark.unit

SRT = (
    "1\n00:00:00,000 --> 00:00:02,000\nThank you.\n\n2\n00:00:03,000 --> 00:00:05,000\nI'm sorry.\n"
)


def read_subtitle_text(path: Path, start_s: float = 0.0, end_s: float | None = None) -> str:
    return text_in_span(read_subtitle(path), start_s, end_s)


def test_srt_span(tmp_path: Path) -> None:
    path = tmp_path / "clip.srt"
    path.write_text(SRT, encoding="utf-8")
    assert read_subtitle_text(path) == "Thank you. I'm sorry."
    assert read_subtitle_text(path, 2.5, 6.0) == "I'm sorry."


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "clip.txt"
    path.write_bytes("谢谢你".encode("utf-16"))
    assert read_subtitle_text(path) == "谢谢你"


def test_gb18030_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "clip.srt"
    path.write_bytes(SRT.replace("Thank you.", "谢谢你。").encode("gb18030"))
    assert read_subtitle_text(path) == "谢谢你。 I'm sorry."


def test_undecodable_file_gives_a_clear_status(tmp_path: Path) -> None:
    path = tmp_path / "clip.srt"
    path.write_bytes(b"\x00\x9f\x92\x00\xff" * 40)
    with pytest.raises(SubtitleError) as raised:
        read_subtitle_text(path)
    assert raised.value.code == "subtitle_encoding_unknown"
    assert "iconv" in raised.value.message


def test_utf8_with_bom_gives_text(tmp_path: Path) -> None:
    path = tmp_path / "clip.srt"
    path.write_text(SRT, encoding="utf-8-sig")
    assert read_subtitle_text(path) == "Thank you. I'm sorry."
