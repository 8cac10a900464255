"""Finding faces too small for MediaPipe's detector by looking at overlapping tiles.

The landmarker's short-range detector sees the whole frame at 128x128 and, measured on the
astronaut pasted into larger grey frames, misses faces narrower than about 13 % of the frame's
longer side: a person in a wide shot. Square tiles of ``TILE_FRACTION`` of the frame's shorter
side make such a face 2-3 times larger relative to the detector's input. Tiling costs one
landmarker call per tile, so the analyzer only tiles a clip when a probe frame shows it helps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np

from emer_visual.faces import FaceLandmarker, FaceObservation, box_iou

TILE_FRACTION = 0.6
"""Tile side as a share of the frame's shorter side."""
TILE_OVERLAP = 1 / 3
"""Share of a tile that overlaps its neighbour, so a face on a seam is whole in one tile."""
MIN_TILE_PX = 96
"""Frames whose tiles would be smaller than this are not tiled."""
DUPLICATE_IOU = 0.3
"""Faces from neighbouring tiles overlapping more than this are the same face."""


def tiles(rgb: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
    """(x0, y0, tile) over the frame, row by row, the last row and column flush with its edge."""
    height, width = rgb.shape[:2]
    side = int(min(height, width) * TILE_FRACTION)
    if side < MIN_TILE_PX:
        return
    stride = max(1, int(side * (1 - TILE_OVERLAP)))

    def starts(extent: int) -> list[int]:
        count = max(1, math.ceil((extent - side) / stride) + 1)
        return sorted({min(i * stride, extent - side) for i in range(count)})

    for y0 in starts(height):
        for x0 in starts(width):
            yield x0, y0, np.ascontiguousarray(rgb[y0 : y0 + side, x0 : x0 + side])


def _shifted(face: FaceObservation, dx: int, dy: int) -> FaceObservation:
    landmarks = face.landmarks.copy()
    landmarks[:, 0] += dx
    landmarks[:, 1] += dy
    x0, y0, x1, y1 = face.box
    return replace(face, box=(x0 + dx, y0 + dy, x1 + dx, y1 + dy), landmarks=landmarks)


def _dedupe(faces: list[FaceObservation]) -> list[FaceObservation]:
    kept: list[FaceObservation] = []
    for face in sorted(faces, key=lambda f: -f.height):
        if all(box_iou(face, other) <= DUPLICATE_IOU for other in kept):
            kept.append(face)
    return kept


def detect_tiled(
    landmarker: FaceLandmarker, frames: Sequence[np.ndarray]
) -> list[list[FaceObservation]]:
    """Faces of each frame found in its tiles, in frame coordinates, duplicates removed."""
    results = []
    for rgb in frames:
        placed = list(tiles(rgb))
        found = landmarker.detect([tile for _, _, tile in placed])
        faces = [
            _shifted(face, x0, y0)
            for (x0, y0, _), tile_faces in zip(placed, found, strict=True)
            for face in tile_faces
        ]
        results.append(_dedupe(faces))
    return results
