"""Face crops for the expression classifiers, cut around the tracked face's landmarks."""

from __future__ import annotations

import numpy as np

from emer_visual.faces import FaceObservation

CROP_MARGIN = 0.15
"""Extra border around the landmark box, as a fraction of its longer side.

fer's training crops were OpenCV Haar boxes (brows to chin) padded by 10 px; MediaPipe's
landmarks span about the same region, so a small margin matches that framing.
"""


def square_crop(rgb: np.ndarray, face: FaceObservation, margin: float = CROP_MARGIN) -> np.ndarray:
    """A square RGB crop centred on ``face``, padded with edge pixels where it leaves the frame."""
    side = max(face.width, face.height) * (1 + 2 * margin)
    cx, cy = face.center
    x0, y0 = round(cx - side / 2), round(cy - side / 2)
    size = max(2, round(side))
    height, width = rgb.shape[:2]
    pad_x0, pad_y0 = max(0, -x0), max(0, -y0)
    pad_x1, pad_y1 = max(0, x0 + size - width), max(0, y0 + size - height)
    region = rgb[max(0, y0) : min(height, y0 + size), max(0, x0) : min(width, x0 + size)]
    if pad_x0 or pad_y0 or pad_x1 or pad_y1:
        region = np.pad(region, ((pad_y0, pad_y1), (pad_x0, pad_x1), (0, 0)), mode="edge")
    return np.ascontiguousarray(region)
