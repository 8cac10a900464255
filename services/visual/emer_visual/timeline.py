"""The main face over time: per-frame readings, expression segments and AU episodes.

A clip is described by how its expression unfolds, not by one averaged frame: consecutive
frames with the same leading emotion form a segment, and each action unit gets its onset,
peak and offset among the sampled frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emer_visual.actions import ACTION_UNITS, ActionUnit
from emer_visual.emotions import EMOTIONS
from emer_visual.head import HeadFrame

SEGMENT_ACTIVE_SHARE = 0.5
"""An AU belongs to a segment's description when active in at least this share of its frames."""


@dataclass(frozen=True)
class FrameReading:
    """Everything read from the main face in one sampled frame."""

    time_s: float
    levels: np.ndarray  # raw AU levels, ACTION_UNITS order
    degrees: np.ndarray  # 0-1 AU degrees
    active: np.ndarray  # bool mask of active AUs
    au_scores: np.ndarray  # AU prototype evidence, EMOTIONS order
    classifier: np.ndarray | None  # classifier distribution, EMOTIONS order
    fused: np.ndarray  # fused distribution, EMOTIONS order
    head: HeadFrame
    face_height_px: float

    @property
    def label(self) -> str:
        return EMOTIONS[int(np.argmax(self.fused))]


@dataclass(frozen=True)
class Segment:
    """Consecutive frames whose leading emotion is the same."""

    label: str
    start_s: float
    end_s: float
    frames: tuple[FrameReading, ...]

    @property
    def confidence(self) -> float:
        index = EMOTIONS.index(self.label)
        return float(np.mean([f.fused[index] for f in self.frames]))

    def active_units(self) -> tuple[ActionUnit, ...]:
        """AUs active in at least ``SEGMENT_ACTIVE_SHARE`` of the segment's frames."""
        share = np.mean([f.active for f in self.frames], axis=0)
        return tuple(
            au for au, s in zip(ACTION_UNITS, share, strict=True) if s >= SEGMENT_ACTIVE_SHARE
        )


@dataclass(frozen=True)
class AuEpisode:
    """Where an action unit is active among the sampled frames, and how strongly."""

    unit: ActionUnit
    onset_s: float
    offset_s: float
    peak_s: float
    peak_degree: float
    share: float  # share of the main face's frames in which it is active


def segments(readings: Sequence[FrameReading]) -> list[Segment]:
    """Runs of frames with the same leading emotion, in time order."""
    out: list[Segment] = []
    run: list[FrameReading] = []
    for reading in readings:
        if run and reading.label != run[-1].label:
            out.append(Segment(run[0].label, run[0].time_s, run[-1].time_s, tuple(run)))
            run = []
        run.append(reading)
    if run:
        out.append(Segment(run[0].label, run[0].time_s, run[-1].time_s, tuple(run)))
    return out


def au_episodes(readings: Sequence[FrameReading]) -> list[AuEpisode]:
    """One episode per AU active in any frame: first onset, last offset and the peak."""
    if not readings:
        return []
    active = np.array([r.active for r in readings])
    degrees = np.array([r.degrees for r in readings])
    times = [r.time_s for r in readings]
    episodes: list[AuEpisode] = []
    for i, unit in enumerate(ACTION_UNITS):
        frames = np.flatnonzero(active[:, i])
        if frames.size == 0:
            continue
        peak = int(frames[np.argmax(degrees[frames, i])])
        episodes.append(
            AuEpisode(
                unit=unit,
                onset_s=times[int(frames[0])],
                offset_s=times[int(frames[-1])],
                peak_s=times[peak],
                peak_degree=float(degrees[peak, i]),
                share=float(frames.size / len(readings)),
            )
        )
    return sorted(episodes, key=lambda e: (-e.share * e.peak_degree, e.unit.code))


def emotion_strengths(readings: Sequence[FrameReading]) -> dict[str, float]:
    """Per word: the mean of its average and its peak fused probability over the frames.

    The peak half keeps a brief expression (a smile in two of eight frames) visible; the
    average half keeps a lasting one ahead of a fleeting one.
    """
    if not readings:
        return {}
    fused = np.array([r.fused for r in readings])
    strength = 0.5 * fused.mean(axis=0) + 0.5 * fused.max(axis=0)
    return {word: float(s) for word, s in zip(EMOTIONS, strength, strict=True)}
