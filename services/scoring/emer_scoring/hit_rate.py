"""Hit rate for discrete reference labels (MER2023 style: one of angry, happy, worried, ...).

A clip is a hit on a wheel when the sector of its reference label is among the sectors of the
predicted labels, at the chosen level: "happy" is hit by "joyful" at level 1 on a wheel that
puts both in the joy sector. With several reference labels a clip scores the fraction of
reference sectors hit. Clips whose reference maps to no sector on a wheel are skipped on that
wheel; the hit rate is averaged over clips per wheel and then over the wheels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emer_scoring.emotion_wheel import EmotionWheelMetric


@dataclass(frozen=True)
class HitRateScores:
    """Hit rate per wheel and its mean over the wheels."""

    assets: str
    level: str
    per_wheel: tuple[tuple[str, float, int], ...]
    """(wheel, hit rate, clips scored on it)."""

    @property
    def hit_rate(self) -> float:
        return float(np.mean([rate for _, rate, _ in self.per_wheel]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "hit_rate": self.hit_rate,
            "level": self.level,
            "assets": self.assets,
            "per_wheel": {
                wheel: {"hit_rate": rate, "clips": clips} for wheel, rate, clips in self.per_wheel
            },
        }


def hit_rate(
    metric: EmotionWheelMetric,
    references: Sequence[str | Sequence[str]],
    predictions: Sequence[Sequence[str]],
) -> HitRateScores:
    """Hit rate of predictions against (usually one-label) references, per wheel of ``metric``.

    A bare string is taken as one label, so ``references=["happy", "sad"]`` works.
    """
    refs = [[r] if isinstance(r, str) else list(r) for r in references]
    m = metric.matrix(refs, predictions)
    hits = np.divide(m.overlap, m.reference_size, out=np.zeros(m.overlap.shape), where=m.scored)
    per_wheel = []
    for w, name in enumerate(metric.wheel_names):
        rows = m.scored[w]
        clips = int(rows.sum())
        per_wheel.append((name, float(np.mean(hits[w][rows])) if clips else 0.0, clips))
    return HitRateScores(metric.assets.name, metric.level, tuple(per_wheel))
