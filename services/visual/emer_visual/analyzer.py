"""The visual clue of one clip: frames -> faces -> action units, expression, movement -> words.

``VisualAnalyzer.from_settings`` loads the models once; ``analyze`` is the domain function
the service calls per clip. It imports nothing from the bus.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from emer_common.contracts import ClueStatus, Evidence, ModelInfo
from emer_common.findings import ModalityFindings
from emer_common.media import MediaError, probe
from emer_visual import (
    actions,
    describe,
    emotions,
    evidence,
    head,
    quality,
    small_faces,
    timeline,
    tracking,
)
from emer_visual.backends import ExpressionBackend, create_backend
from emer_visual.crops import square_crop
from emer_visual.faces import FaceLandmarker, FaceObservation
from emer_visual.frames import SampledFrame, bounded_size, sample_frames
from emer_visual.settings import VisualSettings

log = logging.getLogger(__name__)

HINT_MIN = 0.1
"""Emotion words weaker than this are left out of the hints."""
IMAGE_FRAME_SPACING_S = 1.0
"""Nominal time between still images given to ``analyze_images`` (they have no clock)."""


class VisualAnalyzer:
    """Face landmarker + expression backend, loaded once per process."""

    def __init__(
        self, settings: VisualSettings, landmarker: FaceLandmarker, backend: ExpressionBackend
    ) -> None:
        self.settings = settings
        self.landmarker = landmarker
        self.backend = backend
        self.models: tuple[ModelInfo, ...] = (landmarker.info, backend.info)
        self._lock = threading.Lock()
        if not backend.trained:
            log.warning(
                "visual backend %r runs without trained weights: its scores are ignored",
                backend.name,
            )

    @classmethod
    def from_settings(cls, settings: VisualSettings) -> VisualAnalyzer:
        """Load the face landmarker and the configured expression backend."""
        landmarker = FaceLandmarker(
            settings.face_landmarker_path, settings.max_faces, settings.min_detection_confidence
        )
        return cls(settings, landmarker, create_backend(settings))

    def close(self) -> None:
        self.landmarker.close()
        self.backend.close()

    def analyze(self, path: Path, start_s: float, end_s: float | None) -> ModalityFindings:
        """Visual clues of ``[start_s, end_s)`` of ``path`` (to the end when ``end_s`` is None).

        Raises ``MediaError`` for a missing, empty or undecodable file or an invalid span.
        """
        if start_s < 0 or (end_s is not None and end_s <= start_s):
            raise MediaError("invalid_span", f"invalid clip span [{start_s}, {end_s}) s")
        info = probe(path)
        if not info.has_video:
            return ModalityFindings.no_signal(
                "no_video_stream", "The file has no video stream (audio only).", self.models
            )
        sample = sample_frames(
            path,
            start_s,
            end_s,
            self.settings.frames_per_clip,
            self.settings.max_side_px,
            self._motion_count(start_s, end_s if end_s is not None else info.duration_s),
        )
        if not sample.frames:
            if info.duration_s is None or start_s < info.duration_s:
                raise MediaError(
                    "unreadable_media",
                    f"no video frame of {path} could be decoded; check that it plays in a "
                    "media player, or re-encode it (e.g. `ffmpeg -i IN -c:v libx264 OUT.mp4`).",
                )
            return ModalityFindings.no_signal(
                "no_frames_in_range",
                f"The video ends at {info.duration_s:.1f} s, before the clip starts "
                f"({start_s:.1f} s).",
                self.models,
            )
        findings = self.analyze_frames(sample.frames, sample.shot_changes_s, sample.motion_frames)
        if sample.decoded_share >= 1.0:
            return findings
        damage = Evidence(
            name="decoded_share",
            value=round(sample.decoded_share, 3),
            norm="share of the span's video packets that decoded; 1 when none is damaged",
        )
        note = (
            f" Part of the video is damaged: {sample.decoded_share:.0%} of it decoded, and "
            "these clues describe that part only."
        )
        return dataclasses.replace(
            findings,
            description=findings.description + note,
            evidence=(*findings.evidence, damage),
        )

    def _motion_count(self, start_s: float, end_s: float | None) -> int:
        """Extra head-movement frames for the span: ``motion_fps`` per second, capped."""
        if end_s is None or self.settings.motion_fps <= 0:
            return 0
        wanted = round((end_s - start_s) * self.settings.motion_fps)
        return max(0, min(self.settings.max_motion_frames, wanted))

    def analyze_images(self, images: Sequence[np.ndarray]) -> ModalityFindings:
        """Visual clues of still RGB images, treated as frames ``IMAGE_FRAME_SPACING_S`` apart.

        Images are scaled to ``max_side_px`` like video frames.
        """
        frames = tuple(
            SampledFrame(i * IMAGE_FRAME_SPACING_S, self._bounded(img[..., :3]), i)
            for i, img in enumerate(images)
        )
        return self.analyze_frames(frames)

    def _bounded(self, rgb: np.ndarray) -> np.ndarray:
        height, width = rgb.shape[:2]
        size = bounded_size(width, height, self.settings.max_side_px)
        if size == (width, height):
            return np.ascontiguousarray(rgb)
        return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))

    def analyze_frames(
        self,
        frames: Sequence[SampledFrame],
        shot_changes_s: Sequence[float] = (),
        motion_frames: Sequence[SampledFrame] = (),
    ) -> ModalityFindings:
        """The clue from already sampled frames.

        ``motion_frames`` (optional) only add head-movement samples: faces are tracked
        through all frames in time order, expressions are read on ``frames``.
        """
        expression_ids = {id(f) for f in frames}
        ordered = sorted([*frames, *motion_frames], key=lambda f: f.time_s)
        expression_index = [i for i, f in enumerate(ordered) if id(f) in expression_ids]
        with self._lock:
            detections = self.landmarker.detect([f.rgb for f in ordered])
            tiled = self._search_small_faces(ordered, expression_index, detections)
        tracks = tracking.link_tracks(detections)
        main = tracking.main_track(tracks, len(ordered))
        on_expression = [i for i in expression_index if main is not None and i in main.faces]
        if main is None or not on_expression:
            return self._no_face(frames)
        readable = {
            i: face for i, face in main.faces.items() if face.height >= self.settings.min_face_px
        }
        expression_faces = {i: readable[i] for i in expression_index if i in readable}
        if not expression_faces:
            return self._too_small(main)
        readings = self._readings(ordered, expression_faces)
        head_frames = [head.head_frame(ordered[i].time_s, readable[i]) for i in sorted(readable)]
        scene = describe.SceneFacts(
            faces_max=max(len(detections[i]) for i in expression_index),
            main_frames=len(expression_faces),
            sampled_frames=len(frames),
            shot_changes_s=tuple(shot_changes_s),
            small_face_search=tiled,
        )
        return self._findings(scene, readings, head.movement_events(head_frames))

    def _search_small_faces(
        self,
        frames: Sequence[SampledFrame],
        expression_index: Sequence[int],
        detections: list[list[FaceObservation]],
    ) -> bool:
        """Fill face-less frames from tiles when a probe frame shows tiles find a face.

        Probes the expression frames at 1/3 and 2/3 of the clip, so a clip without any face
        costs two tiled frames. Returns whether tiles were used; ``detections`` is updated.
        """
        if not self.settings.small_face_search or any(detections[i] for i in expression_index):
            return False
        count = len(expression_index)
        probes = sorted({expression_index[count // 3], expression_index[(2 * count) // 3]})
        if not any(small_faces.detect_tiled(self.landmarker, [frames[i].rgb for i in probes])):
            return False
        missing = [i for i, faces in enumerate(detections) if not faces]
        found = small_faces.detect_tiled(self.landmarker, [frames[i].rgb for i in missing])
        for i, faces in zip(missing, found, strict=True):
            detections[i] = faces
        return True

    def _too_small(self, main: tracking.FaceTrack) -> ModalityFindings:
        height = main.mean_height()
        return dataclasses.replace(
            ModalityFindings.no_signal(
                "face_too_small",
                f"A face is visible but too small to read (about {height:.0f} px tall, below "
                f"{self.settings.min_face_px} px).",
                self.models,
            ),
            evidence=(Evidence(name="main_face_height", value=round(height, 1), unit="px"),),
        )

    def _readings(
        self, frames: Sequence[SampledFrame], faces: dict[int, FaceObservation]
    ) -> list[timeline.FrameReading]:
        order = sorted(faces)
        crops = [square_crop(frames[i].rgb, faces[i]) for i in order]
        probabilities = self.backend.predict(crops) if self.backend.trained else None
        readings = []
        for row, i in enumerate(order):
            face = faces[i]
            levels = actions.raw_levels(face)
            degrees = actions.degrees(levels)
            au_scores = emotions.prototype_scores(degrees)
            classifier = (
                emotions.classifier_distribution(probabilities[row], self.backend.labels)
                if probabilities is not None
                else None
            )
            readings.append(
                timeline.FrameReading(
                    time_s=frames[i].time_s,
                    levels=levels,
                    degrees=degrees,
                    active=actions.active(levels),
                    au_scores=au_scores,
                    classifier=classifier,
                    fused=emotions.fuse(au_scores, classifier),
                    head=head.head_frame(frames[i].time_s, face),
                    face_height_px=face.height,
                )
            )
        return readings

    def _findings(
        self,
        scene: describe.SceneFacts,
        readings: list[timeline.FrameReading],
        events: list[head.MovementEvent],
    ) -> ModalityFindings:
        segments = timeline.segments(readings)
        episodes = timeline.au_episodes(readings)
        name = self.backend.name
        strengths = timeline.emotion_strengths(readings)
        hints = {w: round(s, 3) for w, s in strengths.items() if s >= HINT_MIN}
        return ModalityFindings(
            status=ClueStatus.OK,
            description=describe.describe(scene, segments, episodes, events, name),
            cues=describe.cues(scene, segments, episodes, events),
            emotion_hints=dict(sorted(hints.items(), key=lambda kv: -kv[1])),
            evidence=evidence.build_evidence(scene, readings, segments, episodes, events, name),
            models=self.models,
        )

    def _no_face(self, frames: Sequence[SampledFrame]) -> ModalityFindings:
        code, message, median = quality.no_face_reason([f.rgb for f in frames])
        return dataclasses.replace(
            ModalityFindings.no_signal(code, message, self.models),
            evidence=(
                Evidence(name="median_brightness", value=round(median.mean_luma, 3), unit="0-1"),
                Evidence(name="median_sharpness", value=round(median.sharpness, 1), unit="lap var"),
                Evidence(name="sampled_frames", value=len(frames), unit="frames"),
            ),
        )
