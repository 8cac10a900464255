"""Subtitle sidecars and text files: bounded reading, encoding detection, parsing by pysubs2.

Parsing is pysubs2's (SRT, WebVTT, ASS/SSA, MicroDVD), whose parsers run in linear time on
any input; this module adds what pysubs2 leaves to its callers: a size limit and regular
files only (a FIFO or ``/dev/zero`` must not hang or exhaust ingest), encodings other than
UTF-8, HTML entities, WebVTT speaker names, and refusing cues with negative or reversed times.
"""

from __future__ import annotations

import html
import logging
import re
import stat
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

import pysubs2
from charset_normalizer import from_bytes

from emer_common.errors import PermanentError

log = logging.getLogger(__name__)

MAX_SUBTITLE_BYTES = 16 * 1024 * 1024
"""Largest sidecar read. A feature film's SRT is about 100 kB, a day of speech 3 MB; 16 MB
parse in about 7 s. A clip's share of it travels by reference when long
(``emer_common.subtitle_store``)."""
SUBTITLE_SUFFIXES = (".srt", ".vtt", ".ass", ".ssa", ".sub")
SIDECAR_SUFFIXES = (*SUBTITLE_SUFFIXES, ".txt")
DEFAULT_FPS = 25.0
"""Frame rate for MicroDVD files when neither the file nor the video gives one."""
LEGACY_ENCODINGS = ["gb18030", "big5", "cp1251"]
"""Multi-byte and Cyrillic encodings tried for files that are not Unicode."""
SINGLE_BYTE_PUNCTUATION = frozenset("«»€–—‘’“”…°·")
VOICE_TAG = re.compile(r"<v(?:\.[^ \t>]*)?[ \t]+([^>\n]{1,100})>")
ARROW = "-->"
NEGATIVE_TIME = re.compile(r"(?:^|[\s>])-[ \t]*\d")
# A "<" or "{" that another one follows before it closes is no tag. pysubs2's tag patterns
# rescan the rest of the line from each of those, which is quadratic (200 000 of them: minutes);
# each lookahead below stops at the next bracket, so finding them is linear.
UNCLOSED_ANGLE = re.compile(r"<(?=[^<>\n]*(?:<|\n|\Z))")
UNCLOSED_BRACE = re.compile(r"\{(?=[^{}\n]*(?:\{|\n|\Z))")


class SubtitleError(PermanentError):
    pass


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class SubtitleTrack:
    """Parsed cues, with how many cues were refused for impossible times."""

    cues: list[Cue]
    skipped: int = 0


def read_bounded(path: Path, max_bytes: int = MAX_SUBTITLE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; ``SubtitleError`` otherwise."""
    try:
        info = path.stat()  # follows symlinks: a link to /dev/zero is judged by its target
    except OSError as error:
        reason = "it links to itself" if "loop" in str(error).lower() else "it cannot be read"
        raise SubtitleError("subtitle_unreadable", f"{path} was skipped: {reason}.") from error
    if not stat.S_ISREG(info.st_mode):
        raise SubtitleError(
            "subtitle_not_a_file",
            f"{path} was skipped: it is not a regular file (a pipe, device or folder).",
        )
    if info.st_size > max_bytes:
        raise SubtitleError(
            "subtitle_too_large",
            f"{path} was skipped: it is {info.st_size / 1e6:.1f} MB, more than the "
            f"{max_bytes / 1e6:.0f} MB a subtitle file may have. Split it, or give the clip "
            "a shorter subtitle.",
        )
    try:
        with path.open("rb") as source:
            return source.read(max_bytes + 1)[:max_bytes]
    except OSError as error:
        raise SubtitleError(
            "subtitle_unreadable", f"{path} was skipped: it cannot be read."
        ) from error


def _looks_single_byte(raw: bytes) -> bool:
    """Western text in a one-byte code page: accented letters between ASCII characters."""
    high = [i for i, byte in enumerate(raw) if byte >= 0x80]
    if not high:
        return False
    if any(i + 1 < len(raw) and raw[i + 1] >= 0x80 for i in high):
        return False
    decoded = [raw[i : i + 1].decode("cp1252", errors="replace") for i in high]
    return all(ch.isalpha() or ch in SINGLE_BYTE_PUNCTUATION for ch in decoded)


def _as_common_simplified_chinese(raw: bytes) -> str | None:
    """The text when it decodes as GB18030 into common (GB2312) characters only.

    Statistical detectors confuse short GB18030 and Big5 lines; Big5 bytes read as GB18030
    almost always give characters outside GB2312, so this test settles most short files.
    """
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    for char in set(text):
        if ord(char) >= 0x80:
            try:
                char.encode("gb2312")
            except UnicodeEncodeError:
                return None
    return text


def decode_text(raw: bytes, name: str) -> str:
    """Text of a subtitle file: Unicode with or without BOM, GB18030, Big5, Windows code pages.

    ``name`` only serves the error message.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    even_nuls, odd_nuls = raw[0::2].count(0), raw[1::2].count(0)
    if max(even_nuls, odd_nuls) > len(raw) // 4:
        # UTF-16 without a BOM: ASCII characters leave every other byte zero
        return raw.decode("utf-16-le" if odd_nuls > even_nuls else "utf-16-be", errors="replace")
    if _looks_single_byte(raw):
        return raw.decode("cp1252")
    simplified = _as_common_simplified_chinese(raw)
    if simplified is not None:
        return simplified
    best = from_bytes(raw, cp_isolation=LEGACY_ENCODINGS).best()
    if best is None or b"\x00" in raw:
        raise SubtitleError(
            "subtitle_encoding_unknown",
            f"{name} is not text in an encoding emer recognises (UTF-8/16, GB18030, Big5, "
            "Windows code pages); save it as UTF-8, e.g. `iconv -f GB18030 -t UTF-8`.",
        )
    log.info("%s read as %s", name, best.encoding)
    return str(best)


def read_text_file(path: Path) -> str:
    """Read a bounded regular text file in whatever common encoding it uses."""
    return decode_text(read_bounded(path), str(path))


def _without_negative_cues(text: str) -> tuple[str, int]:
    """Turn cues with a negative time into reversed ones, so that they are refused below.

    pysubs2 reads ``-1:00:00,000`` as one hour: the sign is lost before the times are seen.
    """
    lines = text.split("\n")
    changed = 0
    for index, line in enumerate(lines):
        if ARROW in line and len(line) < 200 and NEGATIVE_TIME.search(line):
            lines[index] = "00:00:02,000 --> 00:00:01,000"
            changed += 1
    return ("\n".join(lines), changed) if changed else (text, 0)


def _plain(event: pysubs2.SSAEvent) -> str:
    text = html.unescape(event.plaintext).replace("\n", " ")
    return " ".join(text.split())


def _load(text: str, fps: float) -> pysubs2.SSAFile:
    try:
        return pysubs2.SSAFile.from_string(text, fps=fps)
    except pysubs2.exceptions.FormatAutodetectionError:
        # pysubs2 recognises ASS by its styles section, which hand-made files often lack
        if "[Events]" in text:
            return pysubs2.SSAFile.from_string(text, format_="ass", fps=fps)
        raise


def parse_track(text: str, fps: float | None = None) -> SubtitleTrack:
    """Cues of SRT, WebVTT, ASS/SSA or MicroDVD text (the format is recognised by content)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, _ = _without_negative_cues(text)
    text = UNCLOSED_BRACE.sub("(", UNCLOSED_ANGLE.sub("‹", text))
    # keep the WebVTT speaker's name, which pysubs2 drops with the tag
    text = VOICE_TAG.sub(lambda match: f"{match.group(1).strip()}: ", text)
    try:
        events = _load(text, fps or DEFAULT_FPS)
    except (pysubs2.exceptions.Pysubs2Error, ValueError, KeyError, IndexError) as error:
        raise SubtitleError(
            "subtitle_unparsable",
            "the subtitle is not in a format emer reads (SRT, WebVTT, ASS/SSA, MicroDVD).",
        ) from error
    cues: list[Cue] = []
    skipped = 0
    for event in events:
        if event.is_comment:
            continue
        body = _plain(event)
        if not body:
            continue
        if event.start < 0 or event.end <= event.start:
            skipped += 1
            continue
        cues.append(Cue(event.start / 1000, event.end / 1000, body))
    cues.sort(key=lambda cue: cue.start_s)
    return SubtitleTrack(cues, skipped)


def parse_cues(text: str, fps: float | None = None) -> list[Cue]:
    """The valid cues of subtitle text (see ``parse_track``)."""
    return parse_track(text, fps).cues


def read_subtitle_track(path: Path, fps: float | None = None) -> SubtitleTrack:
    """Cues of a sidecar (a ``.txt`` file is one cue covering the whole clip)."""
    text = read_text_file(path)
    if path.suffix.lower() not in SUBTITLE_SUFFIXES:
        stripped = text.strip()
        return SubtitleTrack([Cue(0.0, float("inf"), stripped)] if stripped else [])
    try:
        track = parse_track(text, fps)
    except SubtitleError as error:
        raise SubtitleError(error.code, f"{path}: {error.message}") from error
    if not track.cues and (track.skipped or text.strip() not in ("", "WEBVTT")):
        reason = (
            f"all of its {track.skipped} cues have negative or reversed times"
            if track.skipped
            else "it has no valid subtitle cues"
        )
        raise SubtitleError("subtitle_unparsable", f"{path} cannot be used: {reason}.")
    return track


def read_subtitle(path: Path, fps: float | None = None) -> list[Cue]:
    return read_subtitle_track(path, fps).cues


def text_in_span(cues: list[Cue], start_s: float, end_s: float | None) -> str:
    stop = float("inf") if end_s is None else end_s
    return " ".join(c.text for c in cues if c.end_s > start_s and c.start_s < stop).strip()


def texts_in_spans(cues: list[Cue], spans: list[tuple[float, float | None]]) -> list[str]:
    """``text_in_span`` of each span, without reading every cue for every span.

    Cues are searched by start time: a cue that overlaps a span starts before its end and at
    most one cue length (the longest one's) before its start. Cues without an end (a ``.txt``
    sidecar, a manifest's text) overlap every span.
    """
    endless = [cue for cue in cues if cue.end_s == float("inf")]
    timed = sorted((cue for cue in cues if cue.end_s != float("inf")), key=lambda c: c.start_s)
    starts = [cue.start_s for cue in timed]
    longest = max((cue.end_s - cue.start_s for cue in timed), default=0.0)
    texts = []
    for start, end in spans:
        stop = float("inf") if end is None else end
        window = timed[bisect_left(starts, start - longest) : bisect_left(starts, stop)]
        found = sorted(
            (c for c in (*endless, *window) if c.end_s > start and c.start_s < stop),
            key=lambda c: c.start_s,
        )
        texts.append(" ".join(c.text for c in found).strip())
    return texts


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def sidecar_candidates(video: Path, languages: tuple[str, ...] = ()) -> list[Path]:
    """Existing sidecars of ``video`` in order of preference.

    ``clip.<lang>.srt`` for each preferred language first, then an untagged ``clip.srt``,
    then any other language-tagged one (alphabetically). Includes non-regular files, so that
    the caller can say why one was skipped.
    """
    stem = video.stem
    preferred = [
        video.with_name(f"{stem}.{lang}{sfx}") for lang in languages for sfx in SIDECAR_SUFFIXES
    ]
    untagged = [video.with_suffix(sfx) for sfx in SIDECAR_SUFFIXES]
    tagged: list[Path] = []
    try:
        siblings = sorted(video.parent.iterdir())
    except OSError:
        siblings = []
    for sibling in siblings:
        name = sibling.name
        if not name.startswith(f"{stem}.") or sibling.suffix.lower() not in SIDECAR_SUFFIXES:
            continue
        middle = name[len(stem) + 1 : -len(sibling.suffix)]
        if 1 < len(middle) <= 8 and middle.replace("-", "").isalpha():
            tagged.append(sibling)
    ordered: list[Path] = []
    for candidate in (*preferred, *untagged, *tagged):
        if candidate not in ordered and (candidate.exists() or candidate.is_symlink()):
            ordered.append(candidate)
    return ordered


def sidecar_language(video: Path, sidecar: Path) -> str | None:
    """The language tag of ``clip.en.srt`` (``en``), None for an untagged sidecar."""
    middle = sidecar.name[len(video.stem) + 1 : -len(sidecar.suffix)]
    return middle or None


def find_sidecar(video: Path, languages: tuple[str, ...] = ()) -> Path | None:
    """The preferred sidecar of ``video`` (see ``sidecar_candidates``), regular files only."""
    for candidate in sidecar_candidates(video, languages):
        if _is_regular(candidate):
            return candidate
    return None
