"""The emotion-wheel metric of MER2025/MER2026 Track 2, vectorised.

For each wheel, every label of a clip is mapped to a sector (``WheelAssets.candidates``: the
first candidate wheel word, in sorted order, that the wheel contains); labels outside the
vocabulary are dropped. With G the mapped reference set and P the mapped prediction set of a
clip: clips with an empty G are skipped, an empty P scores precision = recall = 0, otherwise
precision = |G∩P|/|P| and recall = |G∩P|/|G|. Precision and recall are averaged over clips per
wheel, F = 2PR/(P+R) per wheel, and the reported F, P and R are the means over the wheels.

Speed: each distinct label is mapped once (cached per metric), and the set arithmetic of all
clips and wheels runs as a handful of numpy calls on integer keys
``(clip * n_wheels + wheel) * n_sectors + sector``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from emer_scoring.label_lists import parse_wheel_list
from emer_scoring.wheel_assets import WheelAssets, WheelLevel

NO_SECTOR = -1
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def f_score(precision: float, recall: float) -> float:
    """Harmonic mean; 0 when both are 0 (the MER tools would give NaN)."""
    total = precision + recall
    return 2 * precision * recall / total if total > 0 else 0.0


def normalize_label(label: str) -> str:
    """The label as the wheel metric looks it up: lower-cased and stripped."""
    return label.lower().strip()


@dataclass(frozen=True)
class WheelScore:
    """Precision and recall averaged over the clips scored on one wheel."""

    wheel: str
    precision: float
    recall: float
    clips: int

    @property
    def f_score(self) -> float:
        return f_score(self.precision, self.recall)


@dataclass(frozen=True)
class EmotionWheelScores:
    """The metric over a set of clips: per-wheel values and their means."""

    assets: str
    level: WheelLevel
    per_wheel: tuple[WheelScore, ...]
    skipped: int
    """Clips whose reference maps to no sector on any wheel."""

    @property
    def precision(self) -> float:
        return float(np.mean([w.precision for w in self.per_wheel]))

    @property
    def recall(self) -> float:
        return float(np.mean([w.recall for w in self.per_wheel]))

    @property
    def f_score(self) -> float:
        return float(np.mean([w.f_score for w in self.per_wheel]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "F": self.f_score,
            "P": self.precision,
            "R": self.recall,
            "level": self.level,
            "assets": self.assets,
            "skipped_clips": self.skipped,
            "per_wheel": {
                w.wheel: {"F": w.f_score, "P": w.precision, "R": w.recall, "clips": w.clips}
                for w in self.per_wheel
            },
        }


@dataclass(frozen=True)
class ClipMatrix:
    """Per wheel (rows) and clip (columns): overlap and set sizes after mapping."""

    overlap: IntArray
    reference_size: IntArray
    prediction_size: IntArray

    @property
    def scored(self) -> BoolArray:
        return self.reference_size > 0

    def precision(self) -> FloatArray:
        has_pred = self.prediction_size > 0
        return np.divide(
            self.overlap, self.prediction_size, out=np.zeros(self.overlap.shape), where=has_pred
        )

    def recall(self) -> FloatArray:
        usable = (self.prediction_size > 0) & self.scored
        return np.divide(
            self.overlap, self.reference_size, out=np.zeros(self.overlap.shape), where=usable
        )


class EmotionWheelMetric:
    """The emotion-wheel metric at one level, for one set of assets."""

    def __init__(self, assets: WheelAssets, level: WheelLevel) -> None:
        self.assets = assets
        self.level = level
        self._maps = [wheel.sector_map(level) for wheel in assets.wheels]
        self._sectors = [sorted(set(mapping.values())) for mapping in self._maps]
        self._sector_ids = [{s: i for i, s in enumerate(names)} for names in self._sectors]
        self._n_sectors = max((len(names) for names in self._sectors), default=0) + 1
        self._cache: dict[str, tuple[int, ...]] = {}

    @property
    def wheel_names(self) -> tuple[str, ...]:
        return tuple(wheel.name for wheel in self.assets.wheels)

    def sectors(self, label: str) -> tuple[str | None, ...]:
        """The sector of ``label`` on each wheel (None where it maps to none)."""
        codes = self._codes(label)
        return tuple(
            names[code] if code != NO_SECTOR else None
            for names, code in zip(self._sectors, codes, strict=True)
        )

    def _codes(self, label: str) -> tuple[int, ...]:
        cached = self._cache.get(label)
        if cached is None:
            candidates = self.assets.candidates(normalize_label(label))
            codes = []
            for mapping, ids in zip(self._maps, self._sector_ids, strict=True):
                sector = next((mapping[w] for w in candidates if w in mapping), None)
                codes.append(ids[sector] if sector is not None else NO_SECTOR)
            cached = self._cache[label] = tuple(codes)
        return cached

    def matrix(
        self, references: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]
    ) -> ClipMatrix:
        """Overlap and set sizes of every clip on every wheel."""
        if len(references) != len(predictions):
            raise ValueError(f"{len(references)} references but {len(predictions)} predictions")
        flat_ref = list(chain.from_iterable(references))
        flat_pred = list(chain.from_iterable(predictions))
        distinct = dict.fromkeys(chain(flat_ref, flat_pred))
        index = {label: i for i, label in enumerate(distinct)}
        n_wheels = len(self._maps)
        table = np.array([self._codes(label) for label in distinct], dtype=np.int64)
        table = table.reshape(len(distinct), n_wheels)
        ref_keys = self._set_keys(self._ids(flat_ref, index), self._clips(references), table)
        pred_keys = self._set_keys(self._ids(flat_pred, index), self._clips(predictions), table)
        overlap = np.intersect1d(ref_keys, pred_keys, assume_unique=True)
        shape = (len(references), n_wheels)

        def per_clip_wheel(keys: IntArray) -> IntArray:
            counts = np.bincount(keys // self._n_sectors, minlength=shape[0] * shape[1])
            return counts.reshape(shape).T.astype(np.int64)

        return ClipMatrix(
            overlap=per_clip_wheel(overlap),
            reference_size=per_clip_wheel(ref_keys),
            prediction_size=per_clip_wheel(pred_keys),
        )

    def score(
        self, references: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]
    ) -> EmotionWheelScores:
        """The metric over clips given as label lists (reference i pairs with prediction i)."""
        m = self.matrix(references, predictions)
        precision, recall, scored = m.precision(), m.recall(), m.scored
        per_wheel = []
        for w, name in enumerate(self.wheel_names):
            rows = scored[w]
            clips = int(rows.sum())
            p = float(np.mean(precision[w][rows])) if clips else 0.0
            r = float(np.mean(recall[w][rows])) if clips else 0.0
            per_wheel.append(WheelScore(name, p, r, clips))
        skipped = int((~scored.any(axis=0)).sum()) if len(references) else 0
        return EmotionWheelScores(self.assets.name, self.level, tuple(per_wheel), skipped)

    def score_texts(
        self, references: Sequence[str], predictions: Sequence[str]
    ) -> EmotionWheelScores:
        """The metric over label lists given as text (read with ``parse_wheel_list``)."""
        return self.score(
            [parse_wheel_list(text) for text in references],
            [parse_wheel_list(text) for text in predictions],
        )

    @staticmethod
    def _ids(labels: list[str], index: dict[str, int]) -> IntArray:
        return np.fromiter(map(index.__getitem__, labels), dtype=np.int64, count=len(labels))

    @staticmethod
    def _clips(lists: Sequence[Sequence[str]]) -> IntArray:
        """The clip index of every label, in flattened order."""
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        return np.repeat(np.arange(len(lists), dtype=np.int64), lengths)

    def _set_keys(self, ids: IntArray, clips: IntArray, table: IntArray) -> IntArray:
        """Unique ``(clip * n_wheels + wheel) * n_sectors + sector`` of every mapped label."""
        if ids.size == 0:
            return np.zeros(0, dtype=np.int64)
        n_wheels = table.shape[1]
        codes = table[ids]
        slots = clips[:, None] * n_wheels + np.arange(n_wheels)[None, :]
        keys = np.sort((slots * self._n_sectors + codes)[codes != NO_SECTOR])
        if keys.size == 0:
            return keys
        return keys[np.concatenate(([True], keys[1:] != keys[:-1]))]  # sorted, unique
