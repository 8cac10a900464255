"""Linking faces across sampled frames into tracks and choosing the main character.

Sampled frames are up to a second apart, so tracks link by overlap and nearness of face
boxes rather than by appearance: each face joins the track whose last box overlaps it most
(IoU), or failing that the one whose centre is nearest within ``MAX_CENTER_SHIFT`` face
widths. The main character is the track with the largest presence x face size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from emer_visual.faces import FaceObservation, box_iou

MIN_IOU = 0.2
"""Overlap of two face boxes above which they are the same person in consecutive samples."""
MAX_CENTER_SHIFT = 0.75
"""Largest centre shift (in face widths) between samples for one person without overlap."""


@dataclass
class FaceTrack:
    """One person's faces, keyed by the index of the sampled frame."""

    track_id: int
    faces: dict[int, FaceObservation] = field(default_factory=dict)

    @property
    def last(self) -> FaceObservation:
        return self.faces[max(self.faces)]

    def mean_height(self) -> float:
        return sum(f.height for f in self.faces.values()) / len(self.faces)

    def prominence(self, frame_count: int) -> float:
        """Presence (share of sampled frames) times mean face height in pixels."""
        return len(self.faces) / max(1, frame_count) * self.mean_height()


def _affinity(track: FaceTrack, face: FaceObservation) -> float:
    """Higher is a better match; 0 means no match."""
    previous = track.last
    iou = box_iou(previous, face)
    if iou >= MIN_IOU:
        return 1.0 + iou
    (px, py), (fx, fy) = previous.center, face.center
    shift = ((px - fx) ** 2 + (py - fy) ** 2) ** 0.5 / max(1.0, previous.width)
    return 1.0 - shift / MAX_CENTER_SHIFT if shift < MAX_CENTER_SHIFT else 0.0


def link_tracks(frames: Sequence[Sequence[FaceObservation]]) -> list[FaceTrack]:
    """Greedy frame-by-frame association; a face that matches no track starts a new one."""
    tracks: list[FaceTrack] = []
    for index, faces in enumerate(frames):
        pairs = sorted(
            (
                (_affinity(track, face), t, f)
                for t, track in enumerate(tracks)
                for f, face in enumerate(faces)
            ),
            reverse=True,
        )
        used_tracks: set[int] = set()
        used_faces: set[int] = set()
        for score, t, f in pairs:
            if score <= 0 or t in used_tracks or f in used_faces:
                continue
            tracks[t].faces[index] = faces[f]
            used_tracks.add(t)
            used_faces.add(f)
        for f, face in enumerate(faces):
            if f not in used_faces:
                tracks.append(FaceTrack(len(tracks), {index: face}))
    return tracks


def main_track(tracks: Sequence[FaceTrack], frame_count: int) -> FaceTrack | None:
    """The most prominent track (presence x size), or None without faces."""
    return max(tracks, key=lambda t: t.prominence(frame_count), default=None)
