"""Subtitle sidecars (.srt / .vtt) and text files: decoding with clear errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from emer_common.errors import PermanentError

TIMESTAMP = re.compile(
    r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})\s*-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
)
TAG = re.compile(r"<[^>]+>|\{\\[^}]*\}")


class SubtitleError(PermanentError):
    pass


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def read_text_file(path: Path) -> str:
    """Read UTF-8 (with or without BOM) or UTF-16 with BOM; reject anything else clearly."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SubtitleError(
            "subtitle_not_utf8",
            f"{path} is not UTF-8 (byte {error.start}: {raw[error.start : error.start + 4]!r}); "
            "convert it, e.g. `iconv -f GB18030 -t UTF-8`.",
        ) from error


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def parse_cues(text: str) -> list[Cue]:
    """Parse SRT or WebVTT cues; lines without timestamps outside cues are ignored."""
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        for index, line in enumerate(lines):
            match = TIMESTAMP.search(line)
            if match:
                g = match.groups()
                body = " ".join(TAG.sub("", t).strip() for t in lines[index + 1 :]).strip()
                if body:
                    cues.append(Cue(_seconds(*g[:4]), _seconds(*g[4:]), body))
                break
    return cues


def read_subtitle(path: Path) -> list[Cue]:
    text = read_text_file(path)
    if path.suffix.lower() in (".srt", ".vtt"):
        cues = parse_cues(text)
        if not cues and text.strip() and text.strip() != "WEBVTT":
            raise SubtitleError("subtitle_unparsable", f"{path} has no valid subtitle cues")
        return cues
    stripped = text.strip()
    return [Cue(0.0, float("inf"), stripped)] if stripped else []


def text_in_span(cues: list[Cue], start_s: float, end_s: float | None) -> str:
    stop = float("inf") if end_s is None else end_s
    return " ".join(c.text for c in cues if c.end_s > start_s and c.start_s < stop).strip()


def find_sidecar(video: Path) -> Path | None:
    for suffix in (".srt", ".vtt", ".txt"):
        candidate = video.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None
