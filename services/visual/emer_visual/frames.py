"""Frame sampling: decode only ``[start_s, end_s)`` of a video and keep a few frames.

The clip is cut into ``count`` equal time slices and one frame is kept per slice, so the
samples cover the whole clip. A slice normally gives its middle frame; when a shot change
(a large jump between consecutive decoded frames) falls inside it, the slice gives the first
frame after the change instead, so a new face or scene is seen as soon as it appears.

Decoding is streamed: besides the kept frames only a couple of decoded frames and a 32x32
thumbnail are held at a time, so memory does not grow with the length of the video.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
import numpy as np

from emer_common.decoding import DecodeStats, default_stream, plain_reason, tolerant_frames
from emer_common.media import MediaError

log = logging.getLogger(__name__)

THUMB_SIDE_PX = 32
"""Side of the grey thumbnail used to measure how much consecutive frames differ."""
LUMA_FIRST_FORMATS = ("yuv", "nv12", "nv21", "gray")
"""Prefixes of pixel formats whose first plane is the luma; only 8-bit ones are read directly
(``yuv420p10le`` and the like go through swscale)."""
HIGH_BIT_DEPTH_MARKS = ("9", "10", "12", "14", "16")
SHOT_CHANGE_DIFF = 0.12
"""Mean absolute thumbnail difference (0-1 grey levels) that marks a shot change.

A cut between two different faces in ``samples/angry_complaint.mp4`` measures 0.25; the slow
zoom of the samples and a person talking in front of a camera stay below 0.03.
"""
MAX_SHOT_CHANGES = 16
"""At most this many shot changes are reported per clip."""
MIN_SHOT_GAP_S = 0.5
"""Jumps closer than this to the previous shot change belong to the same transition (fades)."""
FRAME_THREAD_BUDGET_BYTES = 256 * 1024 * 1024
"""Decoded pictures a video decoder may hold at once. Each frame thread holds about two, so a
4K or 8K stream gets fewer frame threads than the machine has cores (8K on 16 cores: 940 MB
without this cap, measured with ``benchmarks/frame_memory.py``)."""
LOWRES_CODECS = frozenset({"mjpeg", "dvvideo"})
"""Intra-only decoders that can decode at 1/2, 1/4 or 1/8 of the size (FFmpeg's ``lowres``).
MPEG-1/2/4 support it too, but their motion compensation then drifts: they are not asked."""
MAX_LOWRES = 3


@dataclass(frozen=True)
class SampledFrame:
    """One kept frame: RGB pixels at bounded size, its time in the file, and its slice."""

    time_s: float
    rgb: np.ndarray  # (height, width, 3) uint8
    slice_index: int
    after_shot_change: bool = False


@dataclass(frozen=True)
class FrameSample:
    """Frames kept from one clip, with what was learnt about the clip while decoding."""

    frames: tuple[SampledFrame, ...]
    start_s: float
    end_s: float
    decoded_frames: int
    source_size: tuple[int, int]  # width, height
    shot_changes_s: tuple[float, ...] = ()
    motion_frames: tuple[SampledFrame, ...] = ()
    """Extra evenly spaced frames for head movement only (none unless asked for)."""
    decoded_share: float = 1.0
    """Share of the span's video packets that decoded; damaged ones are skipped."""


@dataclass
class _Candidate:
    frame: av.VideoFrame
    time_s: float
    score: float


def bounded_size(width: int, height: int, max_side_px: int) -> tuple[int, int]:
    """Scale ``width`` x ``height`` down (never up) so its longest side is ``max_side_px``."""
    scale = min(1.0, max_side_px / max(width, height))
    # even sizes keep every pixel format converter happy
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def decoder_threads(width: int, height: int, cpus: int) -> int:
    """Frame threads for a ``width`` x ``height`` stream: one per core, within the budget."""
    picture_bytes = max(1, width * height * 3 // 2)  # 8-bit 4:2:0
    return max(1, min(cpus, FRAME_THREAD_BUDGET_BYTES // (2 * picture_bytes)))


def lowres_level(codec: str, width: int, height: int, max_side_px: int) -> int:
    """How many halvings the decoder may do itself, keeping at least ``max_side_px``."""
    if codec not in LOWRES_CODECS:
        return 0
    level, side = 0, max(width, height)
    while level < MAX_LOWRES and side >> (level + 1) >= max_side_px:
        level += 1
    return level


def configure_decoder(stream: av.VideoStream, max_side_px: int) -> None:
    """Bound what decoding a very large video costs before the first frame is decoded:
    fewer frame threads for big pictures, and decoding at a reduced size where the codec
    can do it exactly (frames are scaled to ``max_side_px`` anyway)."""
    if stream.codec_context is None:  # no decoder for it: decoding says so
        return
    width, height = stream.width or 0, stream.height or 0
    stream.thread_type = "AUTO"
    if width and height:
        cpus = os.cpu_count() or 1
        threads = decoder_threads(width, height, cpus)
        if threads < cpus:  # else FFmpeg's own choice (one per core, plus one)
            stream.codec_context.thread_count = threads
        level = lowres_level(stream.codec_context.name, width, height, max_side_px)
        if level:
            stream.codec_context.options = {"lowres": str(level)}


def upright(rgb: np.ndarray, rotation_deg: float) -> np.ndarray:
    """``rgb`` turned as the file's display matrix says (phones record portrait this way)."""
    quarter_turns = round(rotation_deg / 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, quarter_turns)) if quarter_turns else rgb


def _thumbnail(frame: av.VideoFrame) -> np.ndarray:
    """THUMB_SIDE_PX-square grey thumbnail (0-1).

    For YUV and grey frames the luma plane is block-averaged in numpy: a swscale conversion
    per decoded frame costs more than decoding the frame itself.
    """
    name = frame.format.name
    eight_bit = not any(mark in name for mark in HIGH_BIT_DEPTH_MARKS)
    big_enough = min(frame.width, frame.height) >= THUMB_SIDE_PX
    if name.startswith(LUMA_FIRST_FORMATS) and eight_bit and big_enough:
        plane = frame.planes[0]
        luma = np.frombuffer(memoryview(plane), np.uint8).reshape(frame.height, plane.line_size)
        luma = luma[:, : frame.width]
        step_y = frame.height // THUMB_SIDE_PX
        step_x = frame.width // THUMB_SIDE_PX
        blocks = luma[: step_y * THUMB_SIDE_PX, : step_x * THUMB_SIDE_PX].reshape(
            THUMB_SIDE_PX, step_y, THUMB_SIDE_PX, step_x
        )
        # every other row and column of each block is enough to measure change
        sampled = blocks[:, ::2, :, ::2] if min(step_x, step_y) >= 2 else blocks
        return np.asarray(sampled.mean(axis=(1, 3), dtype=np.float32) / 255.0)
    gray = frame.reformat(width=THUMB_SIDE_PX, height=THUMB_SIDE_PX, format="gray")
    return gray.to_ndarray().astype(np.float32) / 255.0


class _SliceSelector:
    """Keeps, per time slice, the frame nearest its middle and the frame after a shot change."""

    def __init__(
        self, start_s: float, end_s: float, count: int, max_side_px: int, change_aware: bool = True
    ) -> None:
        self.start_s = start_s
        self.change_aware = change_aware
        self.slice_s = (end_s - start_s) / count
        self.count = count
        self.max_side_px = max_side_px
        self.kept: list[SampledFrame] = []
        self._slice = -1
        self._middle: _Candidate | None = None
        self._change: _Candidate | None = None

    def offer(self, frame: av.VideoFrame, time_s: float, change: float) -> None:
        index = min(self.count - 1, int((time_s - self.start_s) / self.slice_s))
        if index != self._slice:
            self.close_slice()
            self._slice = index
        middle_s = self.start_s + (index + 0.5) * self.slice_s
        distance = abs(time_s - middle_s)
        if self._middle is None or distance < self._middle.score:
            self._middle = _Candidate(frame, time_s, distance)
        if not self.change_aware or change < SHOT_CHANGE_DIFF:
            return
        if self._change is None or change > self._change.score:
            self._change = _Candidate(frame, time_s, change)

    def close_slice(self) -> None:
        chosen, after_change = self._middle, False
        if self._change is not None:
            chosen, after_change = self._change, True
        if chosen is not None:
            width, height = bounded_size(chosen.frame.width, chosen.frame.height, self.max_side_px)
            rgb = chosen.frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
            rgb = upright(rgb, chosen.frame.rotation)
            self.kept.append(SampledFrame(chosen.time_s, rgb, self._slice, after_change))
        self._middle = self._change = None


def _clip_end(container: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    """End of the video in seconds: from metadata, else by demuxing (no decoding)."""
    if container.duration is not None:
        return float(container.duration / av.time_base)
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    last = None
    for packet in container.demux(stream):
        if packet.pts is not None and packet.time_base is not None:
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            last = end if last is None else max(last, end)
    container.seek(0)
    return last


def sample_frames(
    path: Path,
    start_s: float,
    end_s: float | None,
    count: int,
    max_side_px: int,
    motion_count: int = 0,
) -> FrameSample:
    """Decode ``[start_s, end_s)`` of ``path``'s first video stream and keep ``count`` frames.

    ``motion_count`` more frames, evenly spaced and not moved to shot changes, are kept for
    head movement (``FrameSample.motion_frames``).

    Raises ``MediaError("unreadable_media")`` when nothing can be decoded, and
    ``MediaError("no_video_stream")`` when the file has no video stream.
    """
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as error:
        message = (
            f"{path} cannot be opened: {plain_reason(error)}. Check that it plays in a media "
            "player, or convert it (e.g. `ffmpeg -i IN -c:v libx264 OUT.mp4`)."
        )
        raise MediaError("unreadable_media", message) from error
    with container:
        stream = default_stream(container.streams.video)
        if stream is None:
            raise MediaError("no_video_stream", f"{path} has no video stream")
        # before any lowres decoding; a stream without a decoder has no size
        source_size = (stream.width or 0, stream.height or 0) if stream.codec_context else (0, 0)
        configure_decoder(stream, max_side_px)
        end = _clip_end(container, stream) if end_s is None else end_s
        if end_s is not None and container.duration is not None:
            # slices past the end of the video would stay empty
            end = min(end_s, float(container.duration / av.time_base))
        if end is None or end <= start_s:
            end = start_s + 1e-3  # unknown length or a single still image: one slice
        selector = _SliceSelector(start_s, end, count, max_side_px)
        motion = _SliceSelector(start_s, end, max(1, motion_count), max_side_px, False)
        if start_s > 0 and stream.time_base is not None:
            container.seek(int(start_s / stream.time_base), stream=stream, backward=True)
        decoded, changes = 0, list[float]()
        previous: np.ndarray | None = None
        stats = DecodeStats()
        for frame in tolerant_frames(container, stream, stats):
            if not isinstance(frame, av.VideoFrame):
                continue
            time_s = frame.time if frame.time is not None else decoded * 1e-3
            if time_s < start_s:
                continue
            if end_s is not None and time_s >= end_s:
                break
            thumb = _thumbnail(frame)
            change = float(np.abs(thumb - previous).mean()) if previous is not None else 0.0
            previous = thumb
            is_new = not changes or time_s - changes[-1] >= MIN_SHOT_GAP_S
            if change >= SHOT_CHANGE_DIFF and is_new and len(changes) < MAX_SHOT_CHANGES:
                changes.append(time_s)
            selector.offer(frame, max(time_s, start_s), change)
            if motion_count:
                motion.offer(frame, max(time_s, start_s), change)
            decoded += 1
        if stats.frames == 0 and stats.packets > 0:
            raise MediaError(
                "unreadable_media",
                f"the video of {path} could not be decoded: none of its {stats.packets} "
                f"{stats.codec} packets could be read. Check that it plays in a "
                "media player; re-encoding it (e.g. `ffmpeg -i IN -c:v libx264 OUT.mp4`) "
                "usually fixes it.",
            )
        if stats.damaged:
            log.warning(
                "video of %s: %d of %d packets were damaged and skipped",
                path,
                stats.damaged,
                stats.packets,
            )
        selector.close_slice()
        motion.close_slice()
        if decoded == 0 and start_s > 0 and math.isfinite(start_s):
            log.info("no video frames in [%.2f, %s) of %s", start_s, end_s, path)
        return FrameSample(
            frames=tuple(selector.kept),
            start_s=start_s,
            end_s=end,
            decoded_frames=decoded,
            source_size=source_size,
            shot_changes_s=tuple(changes),
            motion_frames=tuple(motion.kept) if motion_count else (),
            decoded_share=stats.decoded_share,
        )
