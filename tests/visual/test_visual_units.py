"""Unit tests of the pure parts: action units, prototypes, fusion, head movement, tracking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emer_visual import actions, emotions, head, tracking
from emer_visual.faces import BLENDSHAPE_INDEX, BLENDSHAPE_NAMES, FaceObservation

pytestmark = pytest.mark.unit


def face(
    shapes: dict[str, float] | None = None,
    box: tuple[float, float, float, float] = (100, 100, 200, 220),
    pitch: float = 0.0,
    yaw: float = 0.0,
    roll: float = 0.0,
) -> FaceObservation:
    scores = np.zeros(len(BLENDSHAPE_NAMES), np.float32)
    for name, value in (shapes or {}).items():
        scores[BLENDSHAPE_INDEX[name]] = value
    p, y, r = (math.radians(a) for a in (pitch, yaw, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    pose = np.eye(4, dtype=np.float32)
    pose[:3, :3] = rz @ ry @ rx
    return FaceObservation(box, np.zeros((478, 3), np.float32), scores, pose)


SMILE = {
    "mouthSmileLeft": 0.9,
    "mouthSmileRight": 0.85,
    "eyeSquintLeft": 0.6,
    "eyeSquintRight": 0.6,
}
FROWN = {"browDownLeft": 0.6, "browDownRight": 0.6, "mouthPressLeft": 0.5, "mouthPressRight": 0.5}


def _active_codes(observation: FaceObservation) -> set[str]:
    mask = actions.active(actions.raw_levels(observation))
    return {au.code for au, on in zip(actions.ACTION_UNITS, mask, strict=True) if on}


def test_smile_blendshapes_give_au6_and_au12_not_au7() -> None:
    assert {"AU6", "AU12"} <= _active_codes(face(SMILE))
    assert "AU7" not in _active_codes(face(SMILE))


def test_relaxed_face_has_no_active_unit() -> None:
    assert _active_codes(face({"eyeSquintLeft": 0.6, "eyeSquintRight": 0.6})) == set()


def test_threshold_is_inclusive_and_named() -> None:
    at = actions.AU12.threshold
    assert "AU12" in _active_codes(face({"mouthSmileLeft": at, "mouthSmileRight": at}))
    below = at - 0.01
    assert "AU12" not in _active_codes(face({"mouthSmileLeft": below, "mouthSmileRight": below}))


def test_degrees_and_facs_letters() -> None:
    levels = np.array([au.full for au in actions.ACTION_UNITS], np.float32)
    assert np.allclose(actions.degrees(levels), 1.0)
    assert actions.facs_letter(0.9) == "E" and actions.facs_letter(0.1) == "A"


@pytest.mark.parametrize(
    ("shapes", "word"),
    [
        (SMILE, "happy"),
        (FROWN, "angry"),
        ({"browInnerUp": 0.7, "browDownLeft": 0.6, "browDownRight": 0.6}, "worried"),
        (
            {"browInnerUp": 0.7, "browOuterUpLeft": 0.6, "browOuterUpRight": 0.6, "jawOpen": 0.7},
            "surprised",
        ),
        ({"mouthFrownLeft": 0.5, "mouthFrownRight": 0.5, "browInnerUp": 0.6}, "sad"),
        ({}, "neutral"),
    ],
)
def test_prototypes_pick_the_expected_emotion(shapes: dict[str, float], word: str) -> None:
    degrees = actions.degrees(actions.raw_levels(face(shapes)))
    scores = emotions.prototype_scores(degrees)
    assert emotions.EMOTIONS[int(np.argmax(scores))] == word


def test_fusion_lets_the_classifier_veto_a_lone_cue() -> None:
    au = emotions.prototype_scores(actions.degrees(actions.raw_levels(face(SMILE))))
    sad = np.zeros(len(emotions.EMOTIONS), np.float32)
    sad[emotions.EMOTION_INDEX["sad"]] = 0.9
    sad[emotions.EMOTION_INDEX["neutral"]] = 0.1
    fused = emotions.fuse(au, sad)
    assert math.isclose(float(fused.sum()), 1.0, rel_tol=1e-5)
    assert fused[emotions.EMOTION_INDEX["happy"]] < emotions.to_distribution(au)[0]


def test_classifier_labels_are_mapped_onto_emotions() -> None:
    probabilities = np.array([0.1, 0.0, 0.0, 0.7, 0.0, 0.0, 0.2], np.float32)
    labels = ("angry", "disgusted", "afraid", "happy", "sad", "surprised", "neutral")
    mapped = emotions.classifier_distribution(probabilities, labels)
    assert mapped[emotions.EMOTION_INDEX["happy"]] == pytest.approx(0.7)
    assert mapped[emotions.EMOTION_INDEX["worried"]] == 0.0


def test_head_angles_follow_the_pose_matrix() -> None:
    frame = head.head_frame(0.0, face(pitch=20, yaw=-35, roll=10))
    assert frame.pitch_deg == pytest.approx(20, abs=0.5)
    assert frame.yaw_deg == pytest.approx(-35, abs=0.5)
    assert frame.roll_deg == pytest.approx(10, abs=0.5)


def test_nod_and_turning_away_are_found() -> None:
    pitches = [0, 15, 0, 15, 0, 0]
    frames = [head.head_frame(0.5 * i, face(pitch=p)) for i, p in enumerate(pitches)]
    frames.append(head.head_frame(3.0, face(yaw=45)))
    kinds = {e.kind for e in head.movement_events(frames)}
    assert {"nod", "turned_away"} <= kinds
    assert "shake" not in kinds


def test_closed_eyes_are_not_read_as_looking_down() -> None:
    shut = {"eyeBlinkLeft": 0.9, "eyeBlinkRight": 0.9, "eyeLookDownLeft": 0.9}
    shut["eyeLookDownRight"] = 0.9
    events = head.movement_events([head.head_frame(0.0, face(shut))])
    kinds = {e.kind for e in events}
    assert "eyes_closed" in kinds and "gaze_down" not in kinds


def test_tracks_follow_a_moving_face_and_pick_the_biggest_presence() -> None:
    big = [face(box=(100 + 10 * i, 100, 220 + 10 * i, 240)) for i in range(4)]
    small = face(box=(400, 50, 430, 85))
    frames = [[big[0], small], [big[1]], [big[2], small], [big[3]]]
    tracks = tracking.link_tracks(frames)
    assert len(tracks) == 2
    main = tracking.main_track(tracks, len(frames))
    assert main is not None and sorted(main.faces) == [0, 1, 2, 3]
    assert tracking.main_track([], 3) is None


def test_repeated_movements_are_told_once_with_a_count() -> None:
    from emer_visual.describe import movement_sentence

    side = [
        head.MovementEvent("gaze_side", t, t + 0.3, 0.7, "score", "looks to the side")
        for t in (1.0, 3.0, 5.0)
    ]
    tilt = head.MovementEvent("head_tilt", 2.0, 2.0, 20.0, "deg", "tilts the head")
    sentence = movement_sentence([side[0], tilt, side[1], side[2]])
    assert sentence == (
        "The person looks to the side 3 times (from 1.0 to 5.3 s) and tilts the head (at 2.0 s)."
    )
