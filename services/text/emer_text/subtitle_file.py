"""Read a clip's text from a subtitle or plain-text file, with clear errors.

Decoding is ``emer_common.subtitles.read_text_file``'s job (UTF-8/16, GB18030, Big5, Windows
code pages, else ``SubtitleError("subtitle_encoding_unknown")``); this module turns a file
into what ``TextAnalyzer`` takes, and a decoding failure into findings that say what to do.
"""

from __future__ import annotations

from pathlib import Path

from emer_common.findings import ModalityFindings
from emer_common.subtitles import SubtitleError, read_subtitle, text_in_span


def read_subtitle_text(path: Path, start_s: float = 0.0, end_s: float | None = None) -> str:
    """The text of the cues overlapping ``[start_s, end_s)`` (a whole .txt file has no times).

    Raises ``SubtitleError`` ("subtitle_encoding_unknown", "subtitle_unparsable", ...) for
    bad files.
    """
    return text_in_span(read_subtitle(path), start_s, end_s)


def subtitle_findings_or_text(
    path: Path, start_s: float = 0.0, end_s: float | None = None
) -> str | ModalityFindings:
    """The clip's subtitle text, or error findings when the file cannot be read."""
    try:
        return read_subtitle_text(path, start_s, end_s)
    except SubtitleError as error:
        return ModalityFindings.failed(error.code, error.message)
