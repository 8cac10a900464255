"""Decoding that goes on past damage, as ffmpeg's command line does.

Some demuxers hand out packets that do not hold whole codec frames (ADTS AAC or MP3 written
into AVI in fixed-size chunks, raw elementary streams); those packets must go through the
codec's parser first. Other files hold a few damaged packets among good ones; each of those is
skipped and counted, so a clip loses the damaged part only, and the caller can say how much
was lost. A modality fails only when nothing at all decodes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import av
import av.error

from emer_common.errors import file_problem

log = logging.getLogger(__name__)

S = TypeVar("S", bound=av.stream.Stream)

PARSER_TRIAL_PACKETS = 8
"""Demuxed packets the parser gets to prove itself before plain decoding is resumed."""


@dataclass
class DecodeStats:
    """What happened while decoding one stream (or one window of it)."""

    codec: str = "unknown"
    packets: int = 0
    damaged: int = 0
    frames: int = 0
    parsed: bool = False
    """True when packets went through the codec parser (the demuxer did not align them)."""
    packet_time_s: float | None = None
    """Time of the packet being decoded, for frames that come out of a parser without one."""

    @property
    def decoded_share(self) -> float:
        """Share of the packets that decoded (1.0 when nothing was damaged)."""
        if self.packets == 0:
            return 1.0
        return max(0.0, 1.0 - self.damaged / self.packets)


class _Decoder:
    """Plain decoding, switching to the codec parser when packets do not decode."""

    def __init__(self, stream: av.stream.Stream, stats: DecodeStats) -> None:
        self.context = stream.codec_context
        self.stats = stats
        self.parsing = False
        self.parser_failed = False
        self.trial_left = 0
        self.trial_frames = 0

    def _decode(self, packet: av.Packet[Any] | None) -> tuple[list[av.frame.Frame], bool]:
        try:
            frames: list[av.frame.Frame] = list(self.context.decode(packet))  # type: ignore[attr-defined]
        except (av.error.FFmpegError, ValueError):
            return [], False
        return frames, True

    def _parse(self, data: bytes | None) -> list[av.Packet[Any]]:
        try:
            return list(self.context.parse(data))
        except (av.error.FFmpegError, ValueError):
            self.parser_failed = True
            return []

    def _through_parser(self, data: bytes) -> tuple[list[av.frame.Frame], bool]:
        frames: list[av.frame.Frame] = []
        ok = True
        for unit in self._parse(data):
            got, unit_ok = self._decode(unit)
            frames.extend(got)
            ok = ok and unit_ok
        return frames, ok

    def feed(self, packet: av.Packet[Any]) -> list[av.frame.Frame]:
        if self.parsing:
            frames, ok = self._through_parser(bytes(packet))
            self.trial_frames += len(frames)
            if self.trial_left > 0:
                self.trial_left -= 1
                if self.trial_left == 0 and self.trial_frames == 0:
                    # the parser does not help this stream: back to plain decoding
                    self.parsing, self.parser_failed = False, True
            if not ok and not frames:
                self.stats.damaged += 1
            return frames
        frames, ok = self._decode(packet)
        if ok:
            return frames
        if not self.parser_failed:
            self.parsing, self.stats.parsed = True, True
            self.trial_left, self.trial_frames = PARSER_TRIAL_PACKETS, 0
            frames, ok = self._through_parser(bytes(packet))
            self.trial_frames += len(frames)
            if ok or frames:
                return frames
        self.stats.damaged += 1
        return frames

    def flush(self) -> list[av.frame.Frame]:
        frames: list[av.frame.Frame] = []
        if self.parsing:
            for unit in self._parse(None):
                frames.extend(self._decode(unit)[0])
        frames.extend(self._decode(None)[0])
        return frames


def tolerant_frames(
    container: av.container.InputContainer, stream: av.stream.Stream, stats: DecodeStats
) -> Iterator[av.frame.Frame]:
    """Decoded frames of ``stream``; damaged packets are skipped and counted in ``stats``.

    Errors of the demuxer itself (a file cut short, a broken index) end the stream where they
    happen, like the end of the file: what was decoded before stays usable.
    """
    if stream.codec_context is None:
        # the file does not say how the stream is coded (a lost header): nothing can decode
        stats.packets = stats.damaged = 1
        return
    stats.codec = stream.codec_context.name
    decoder = _Decoder(stream, stats)
    demuxed = container.demux(stream)
    while True:
        try:
            packet = next(demuxed)
        except StopIteration:
            break
        except (av.error.FFmpegError, ValueError, OSError) as error:
            log.info("reading stopped early: %s", error)
            stats.damaged += 1
            break
        if packet.size == 0:
            continue  # the demuxer's end-of-stream marker; flushed below
        stats.packets += 1
        if packet.pts is not None and packet.time_base is not None:
            stats.packet_time_s = float(packet.pts * packet.time_base)
        for frame in decoder.feed(packet):
            stats.frames += 1
            yield _timed(frame, stream)
    for frame in decoder.flush():
        stats.frames += 1
        yield _timed(frame, stream)


def _timed(frame: av.frame.Frame, stream: av.stream.Stream) -> av.frame.Frame:
    # frames drained from a decoder without a packet come out with no time base
    if frame.time_base is None and frame.pts is not None and stream.time_base is not None:
        frame.time_base = stream.time_base
    return frame


def default_stream(streams: Sequence[S], languages: Sequence[str] = ()) -> S | None:
    """The stream to read among several of one kind; None when there is none.

    The first stream in one of ``languages`` (in their order, ISO 639 codes such as ``eng``
    or ``en``), else the one the file marks default, else the first.
    """
    for language in languages:
        wanted = language.lower()
        for stream in streams:
            tag = (stream.language or stream.metadata.get("language") or "").lower()
            if tag and (tag == wanted or tag.startswith(wanted) or wanted.startswith(tag)):
                return stream
    for stream in streams:
        if stream.disposition & av.stream.Disposition.default:
            return stream
    return streams[0] if streams else None


def plain_reason(error: BaseException) -> str:
    """Why a file could not be opened, in words a user can act on (no errno, no class name)."""
    if isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
        return file_problem(error)
    if isinstance(error, av.error.DecoderNotFoundError):
        return "its codec is not supported by this FFmpeg build"
    if isinstance(error, UnicodeDecodeError):
        return "its metadata is not valid text"
    if isinstance(error, av.error.InvalidDataError | av.error.EOFError | ValueError):
        return "it is not a video, audio or image file FFmpeg can read, or it is damaged"
    return "it could not be read"
