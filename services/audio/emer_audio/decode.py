"""Decode one time window of a media file's audio to 16 kHz mono float32 with PyAV.

Only the requested window is decoded: the demuxer seeks to its start and decoding stops at its
end, so memory depends on the window length (capped by ``max_window_s``), never on the length
of the video.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
import numpy as np
import numpy.typing as npt

from emer_common.decoding import DecodeStats, default_stream, plain_reason, tolerant_frames
from emer_common.media import MediaError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000  # Hz; what Whisper, Silero VAD and the prosody code expect
SEEK_MARGIN_S = 0.5  # s; seek this far before the window so the first packet covers its start

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class AudioWindow:
    """Mono float32 samples in [-1, 1] of ``[start_s, start_s + duration_s)`` of a source."""

    samples: FloatArray
    sample_rate: int
    start_s: float
    truncated: bool = False  # True when the window was cut at ``max_window_s``
    decoded_share: float = 1.0  # share of the window's packets that decoded (damage skipped)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def decode_audio_window(
    path: Path,
    start_s: float,
    end_s: float | None,
    max_window_s: float,
    languages: tuple[str, ...] = (),
) -> AudioWindow | None:
    """Decode ``[start_s, end_s)`` of ``path``'s audio; None when it has no audio stream.

    Among several audio streams, the first in one of ``languages`` is read, else the default.

    Raises ``MediaError`` when the file cannot be opened or its audio cannot be decoded.
    """
    if end_s is not None and end_s <= start_s:
        raise MediaError("invalid_window", f"empty time window [{start_s}, {end_s})")
    stop_s = start_s + max_window_s if end_s is None else min(end_s, start_s + max_window_s)
    truncated = end_s is None or end_s > stop_s
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as error:
        raise MediaError(
            "unreadable_media",
            f"{path} cannot be opened: {plain_reason(error)}. Check that it plays in a media "
            "player, or convert it (e.g. `ffmpeg -i IN -c:a flac OUT.mkv`).",
        ) from error
    with container:
        stream = default_stream(container.streams.audio, languages)
        if stream is None:
            return None
        stats = DecodeStats()
        samples = _decode_stream(container, stream, start_s, stop_s, stats)
    if stats.frames == 0 and stats.packets > 0:
        raise MediaError(
            "undecodable_audio",
            f"the audio of {path} could not be decoded: none of its {stats.packets} "
            f"{stats.codec} packets in the window could be read. Check that the "
            "sound plays in a media player; re-encoding the audio "
            "(e.g. `ffmpeg -i IN -c:v copy -c:a aac OUT.mp4`) usually fixes it.",
        )
    if stats.damaged:
        log.warning(
            "audio of %s: %d of %d packets were damaged and skipped",
            path,
            stats.damaged,
            stats.packets,
        )
    truncated = truncated and len(samples) >= int((stop_s - start_s) * SAMPLE_RATE)
    if truncated:
        log.warning("audio of %s analysed only up to %.1f s (max_window_s)", path, stop_s)
    return AudioWindow(
        samples, SAMPLE_RATE, start_s, truncated=truncated, decoded_share=stats.decoded_share
    )


def _decode_stream(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    start_s: float,
    stop_s: float,
    stats: DecodeStats,
) -> FloatArray:
    if start_s > SEEK_MARGIN_S and stream.time_base is not None:
        target = int((start_s - SEEK_MARGIN_S) / stream.time_base)
        container.seek(max(target, 0), stream=stream, backward=True)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    capacity = int((stop_s - start_s) * SAMPLE_RATE)
    pieces: list[FloatArray] = []
    filled = 0
    first_time: float | None = None  # source time of the first resampled sample
    produced = 0  # resampled samples seen so far, including those before the window

    def take(chunk: FloatArray) -> None:
        nonlocal filled, produced
        chunk_start = (first_time or 0.0) + produced / SAMPLE_RATE
        produced += len(chunk)
        skip = max(0, round((start_s - chunk_start) * SAMPLE_RATE))
        piece = chunk[skip : skip + capacity - filled]
        if len(piece):
            pieces.append(piece.copy())
            filled += len(piece)

    for frame in tolerant_frames(container, stream, stats):
        if not isinstance(frame, av.AudioFrame):
            continue
        if first_time is None:
            # frames out of a codec parser carry no time: their packet's time stands in
            known = frame.time if frame.time is not None else stats.packet_time_s
            first_time = float(known) if known is not None else 0.0
        try:
            chunks = resampler.resample(frame)
        except ValueError:
            # the layout or rate changed mid-stream: a fresh resampler takes the new one
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            chunks = resampler.resample(frame)
        for resampled in chunks:
            take(np.asarray(resampled.to_ndarray(), dtype=np.float32).reshape(-1))
        if filled >= capacity:
            break
    if first_time is not None and filled < capacity:
        for resampled in resampler.resample(None):
            take(np.asarray(resampled.to_ndarray(), dtype=np.float32).reshape(-1))
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(pieces).astype(np.float32, copy=False)
