"""Reading subtitle files: common encodings, and a clear status for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from emer_common.contracts import ClueStatus
from emer_common.findings import ModalityFindings
from emer_common.subtitles import SubtitleError
from emer_text.subtitle_file import read_subtitle_text, subtitle_findings_or_text

pytestmark = pytest.mark.unit

SRT = (
    "1\n00:00:00,000 --> 00:00:02,000\nThank you.\n\n2\n00:00:03,000 --> 00:00:05,000\nI'm sorry.\n"
)


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
    findings = subtitle_findings_or_text(path)
    assert isinstance(findings, ModalityFindings)
    assert findings.status is ClueStatus.ERROR
    assert findings.error is not None and findings.error.code == "subtitle_encoding_unknown"
    assert "iconv" in findings.error.message


def test_readable_file_gives_text(tmp_path: Path) -> None:
    path = tmp_path / "clip.srt"
    path.write_text(SRT, encoding="utf-8-sig")
    assert subtitle_findings_or_text(path) == "Thank you. I'm sorry."
