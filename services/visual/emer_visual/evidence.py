"""Structured evidence of a visual clue: the numbers behind each claim, kept small.

About 40 items for an 8-frame clip (under 10 KB as JSON): one reading per sampled frame,
one per expression segment, one per action-unit episode and movement, and clip summaries.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emer_common.contracts import Evidence
from emer_visual.describe import SceneFacts
from emer_visual.emotions import EMOTIONS
from emer_visual.head import MovementEvent
from emer_visual.timeline import AuEpisode, FrameReading, Segment

CLASSIFIER_TOP = 3
"""How many of the classifier's mean probabilities are kept."""


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def scene_evidence(scene: SceneFacts, readings: Sequence[FrameReading]) -> list[Evidence]:
    heights = [r.face_height_px for r in readings]
    items = [
        Evidence(name="faces_visible_max", value=scene.faces_max, unit="faces"),
        Evidence(
            name="main_face_presence",
            value=_r(scene.main_frames / max(1, scene.sampled_frames)),
            unit="share of sampled frames",
        ),
        Evidence(name="main_face_height", value=_r(float(np.median(heights)), 1), unit="px"),
    ]
    if scene.small_face_search:
        items.append(Evidence(name="small_face_search", value="faces found in frame tiles"))
    items += [
        Evidence(name="shot_change", value=_r(t), unit="s", start_s=t) for t in scene.shot_changes_s
    ]
    return items


def frame_evidence(readings: Sequence[FrameReading]) -> list[Evidence]:
    """The leading fused emotion of each sampled frame, with its probability."""
    return [
        Evidence(
            name="frame_expression",
            value=r.label,
            start_s=_r(r.time_s),
            confidence=_r(float(r.fused.max())),
            norm="fused AU prototypes + classifier",
        )
        for r in readings
    ]


def segment_evidence(segments: Sequence[Segment]) -> list[Evidence]:
    return [
        Evidence(
            name="expression_segment",
            value=s.label,
            start_s=_r(s.start_s),
            end_s=_r(s.end_s),
            confidence=_r(s.confidence),
        )
        for s in segments
    ]


def au_evidence(episodes: Sequence[AuEpisode]) -> list[Evidence]:
    return [
        Evidence(
            name=f"{e.unit.code} {e.unit.name}",
            value=_r(e.peak_degree),
            unit="peak degree 0-1",
            start_s=_r(e.onset_s),
            end_s=_r(e.offset_s),
            confidence=_r(e.share),
            norm=f"active when blendshapes >= {e.unit.threshold} (peak at {e.peak_s:.2f} s)",
        )
        for e in episodes
    ]


def movement_evidence(events: Sequence[MovementEvent]) -> list[Evidence]:
    return [
        Evidence(name=e.kind, value=e.peak, unit=e.unit, start_s=_r(e.start_s), end_s=_r(e.end_s))
        for e in events
    ]


def head_pose_evidence(readings: Sequence[FrameReading]) -> list[Evidence]:
    items = []
    for name in ("pitch_deg", "yaw_deg", "roll_deg"):
        values = [getattr(r.head, name) for r in readings]
        items.append(
            Evidence(
                name=f"head_{name}",
                value=_r(float(np.median(values)), 1),
                unit="deg (median)",
                norm=f"range {min(values):.1f} to {max(values):.1f}",
            )
        )
    return items


def classifier_evidence(backend: str, readings: Sequence[FrameReading]) -> list[Evidence]:
    rows = [r.classifier for r in readings if r.classifier is not None]
    if not rows:
        return []
    mean = np.mean(rows, axis=0)
    top = np.argsort(mean)[::-1][:CLASSIFIER_TOP]
    return [
        Evidence(
            name=f"classifier_{EMOTIONS[i]}",
            value=_r(mean[i]),
            unit="mean probability",
            norm=backend,
        )
        for i in top
    ]


def build_evidence(
    scene: SceneFacts,
    readings: Sequence[FrameReading],
    segments: Sequence[Segment],
    episodes: Sequence[AuEpisode],
    events: Sequence[MovementEvent],
    backend: str,
) -> tuple[Evidence, ...]:
    return tuple(
        scene_evidence(scene, readings)
        + segment_evidence(segments)
        + au_evidence(episodes)
        + movement_evidence(events)
        + head_pose_evidence(readings)
        + classifier_evidence(backend, readings)
        + frame_evidence(readings)
    )
