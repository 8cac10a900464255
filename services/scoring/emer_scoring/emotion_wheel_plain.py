"""A plain per-clip implementation of the emotion-wheel metric, written for clarity.

It follows the metric's description step by step (wheel by wheel, clip by clip, label by
label, no caching, its own split-and-strip list reading) and serves two purposes: an
independent oracle that the vectorised ``EmotionWheelMetric`` is tested against, and the
baseline of ``benchmarks/scoring_bench.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from emer_scoring.emotion_wheel import EmotionWheelScores, WheelScore, normalize_label
from emer_scoring.wheel_assets import WheelAssets, WheelLevel


def split_labels(text: str) -> list[str]:
    """Strip one leading "[" and one trailing "]", split on quotes and commas, strip items."""
    if not text:
        return []
    if text[0] == "[":
        text = text[1:]
    if text and text[-1] == "]":
        text = text[:-1]
    return [item.strip() for item in re.split("['\",]", text) if item.strip()]


def map_to_sector(label: str, assets: WheelAssets, sector_of: dict[str, str]) -> str | None:
    """The sector of one label on one wheel, or None when it maps to none."""
    for word in assets.candidates(normalize_label(label)):
        if word in sector_of:
            return sector_of[word]
    return None


def plain_wheel_scores(
    assets: WheelAssets,
    level: WheelLevel,
    reference_texts: Sequence[str],
    prediction_texts: Sequence[str],
) -> EmotionWheelScores:
    """The emotion-wheel metric over label lists given as text, one clip at a time."""
    per_wheel = []
    any_scored = [False] * len(reference_texts)
    for wheel in assets.wheels:
        sector_of = wheel.sector_map(level)
        precisions: list[float] = []
        recalls: list[float] = []
        for clip, (ref_text, pred_text) in enumerate(
            zip(reference_texts, prediction_texts, strict=True)
        ):
            reference = {map_to_sector(x, assets, sector_of) for x in split_labels(ref_text)}
            prediction = {map_to_sector(x, assets, sector_of) for x in split_labels(pred_text)}
            reference.discard(None)
            prediction.discard(None)
            if not reference:
                continue
            any_scored[clip] = True
            if not prediction:
                precisions.append(0.0)
                recalls.append(0.0)
            else:
                common = len(reference & prediction)
                precisions.append(common / len(prediction))
                recalls.append(common / len(reference))
        clips = len(precisions)
        per_wheel.append(
            WheelScore(
                wheel.name,
                float(np.mean(precisions)) if clips else 0.0,
                float(np.mean(recalls)) if clips else 0.0,
                clips,
            )
        )
    skipped = sum(not scored for scored in any_scored)
    return EmotionWheelScores(assets.name, level, tuple(per_wheel), skipped)
