"""Text subtitle streams inside a media file (subrip, ass, mov_text, webvtt), read with PyAV.

Used when a clip has no sidecar. Bitmap subtitles (DVD, PGS) hold pictures, not text, and are
left alone.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import av
import av.error
import pysubs2

from emer_common.subtitles import Cue, SubtitleTrack

log = logging.getLogger(__name__)

TEXT_SUBTITLE_CODECS = frozenset({"subrip", "srt", "ass", "ssa", "mov_text", "webvtt", "text"})
MAX_EMBEDDED_CUES = 20_000
"""More cues than any film has; a stream with more is cut there."""


def _choose(
    streams: tuple[av.stream.Stream, ...], languages: tuple[str, ...]
) -> av.stream.Stream | None:
    usable = [
        s
        for s in streams
        if s.codec_context is not None and s.codec_context.name in TEXT_SUBTITLE_CODECS
    ]
    for language in languages:
        for stream in usable:
            if (stream.language or "").lower().startswith(language.lower()):
                return stream
    for stream in usable:
        if stream.disposition & av.stream.Disposition.default:
            return stream
    return usable[0] if usable else None


def _plain(dialogue: bytes) -> str:
    text = pysubs2.SSAEvent(text=dialogue.decode("utf-8", errors="replace")).plaintext
    return " ".join(html.unescape(text).split())


def read_embedded_subtitles(path: Path, languages: tuple[str, ...] = ()) -> SubtitleTrack | None:
    """Cues of the file's preferred text subtitle stream; None when it has none or fails.

    The preferred stream is the first whose language is in ``languages``, else the default
    one, else the first text stream.
    """
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError):
        return None
    with container:
        stream = _choose(tuple(container.streams.subtitles), languages)
        if stream is None:
            return None
        cues: list[Cue] = []
        skipped = 0
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None or packet.time_base is None:
                    continue
                start = float(packet.pts * packet.time_base)
                end = start + float((packet.duration or 0) * packet.time_base)
                for subtitle in packet.decode():
                    text = _plain(getattr(subtitle, "dialogue", b"") or b"")
                    if not text:
                        continue
                    if start < 0 or end <= start:
                        skipped += 1
                        continue
                    cues.append(Cue(start, end, text))
                if len(cues) >= MAX_EMBEDDED_CUES:
                    break
        except (av.error.FFmpegError, ValueError) as error:
            log.info("subtitles of %s read only in part: %s", path, error)
    cues.sort(key=lambda cue: cue.start_s)
    return SubtitleTrack(cues, skipped) if cues or skipped else None
