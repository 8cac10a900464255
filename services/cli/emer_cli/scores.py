"""``scores.json``: a job's labels scored against the references its inputs carried.

Computed in the CLI from the results themselves (the scoring service's scores stay on the
bus, which local mode deletes at exit), with ``emer_scoring``'s metrics on emer's own
vocabulary and wheels:

- emotion-wheel F, P and R at both levels (MER2025/MER2026 Track 2), per wheel and mean;
- hit rate at both levels, over the clips with exactly one reference label (MER2023 style);
- set-level accuracy and recall (MER2024), with emer's vocabulary standing in for the
  per-clip LLM synonym groups of the official metric: word forms and synonyms of one base
  word count as the same label.

A clip's prediction is its ``labels``; a clip without labels (a failed one) scores 0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emer_common.contracts import ClipResult, References
from emer_common.vocabulary import EmotionVocabulary
from emer_scoring.emotion_wheel import EmotionWheelMetric
from emer_scoring.hit_rate import hit_rate
from emer_scoring.openset import clip_accuracy_recall
from emer_scoring.wheel_assets import WHEEL_LEVELS, emer_default_assets

SCORES_FILE = "scores.json"
SCORES_TYPE = "emer.scores.v1"
SET_LEVEL_SYNONYMS = "emer vocabulary (word forms and synonyms)"


def compute_scores(
    results: Sequence[ClipResult], references: Mapping[str, References] | None = None
) -> dict[str, Any] | None:
    """Every metric over the clips that have reference labels; None when none has."""
    refs = references if references is not None else _carried(results)
    pairs = [
        (tuple(ref.labels), tuple(r.labels))
        for r in results
        if (ref := refs.get(r.clip_id)) is not None and ref.labels
    ]
    if not pairs:
        return None
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    assets = emer_default_assets()
    wheel: dict[str, Any] = {}
    hits: dict[str, Any] = {}
    single = [(g[0], p) for g, p in pairs if len(g) == 1]
    for level in WHEEL_LEVELS:
        metric = EmotionWheelMetric(assets, level)
        wheel[level] = metric.score(gold, pred).as_dict()
        if single:
            scores = hit_rate(metric, [g for g, _ in single], [p for _, p in single])
            hits[level] = {**scores.as_dict(), "clips": len(single)}
    return {
        "type": SCORES_TYPE,
        "vocabulary": assets.name,
        "clips": len(pairs),
        "clips_without_labels": sum(1 for p in pred if not p),
        "emotion_wheel": wheel,
        "hit_rate": hits,
        "set_level": set_level_scores(gold, pred),
    }


def set_level_scores(
    references: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """MER2024 set-level accuracy and recall, synonyms from emer's vocabulary."""
    vocabulary = EmotionVocabulary.default()
    labels = {label for group in (*references, *predictions) for label in group}
    synonyms = {label.lower(): vocabulary.canonical(label) or label.lower() for label in labels}
    pairs = [
        clip_accuracy_recall(g, p, synonyms) for g, p in zip(references, predictions, strict=True)
    ]
    kept = [pair for pair in pairs if pair is not None]
    accuracy = float(np.mean([a for a, _ in kept])) if kept else 0.0
    recall = float(np.mean([r for _, r in kept])) if kept else 0.0
    return {
        "accuracy": accuracy,
        "recall": recall,
        "average": (accuracy + recall) / 2,
        "clips": len(kept),
        "synonyms": SET_LEVEL_SYNONYMS,
    }


def scores_summary(scores: Mapping[str, Any]) -> dict[str, Any]:
    """The headline numbers, for ``job.json`` and the report."""
    summary: dict[str, Any] = {"clips": scores["clips"], "vocabulary": scores["vocabulary"]}
    for level, values in scores["emotion_wheel"].items():
        summary[f"emotion_wheel.{level}"] = {k: round(values[k], 4) for k in ("F", "P", "R")}
    for level, values in scores["hit_rate"].items():
        summary[f"hit_rate.{level}"] = round(values["hit_rate"], 4)
    set_level = scores["set_level"]
    summary["set_level"] = {k: round(set_level[k], 4) for k in ("accuracy", "recall", "average")}
    return summary


def write_scores(
    out_dir: Path,
    results: Sequence[ClipResult],
    references: Mapping[str, References] | None = None,
) -> dict[str, Any] | None:
    """Write ``out_dir/scores.json`` and return its summary; without references, remove a
    stale one and return None."""
    path = out_dir / SCORES_FILE
    scores = compute_scores(results, references)
    if scores is None:
        path.unlink(missing_ok=True)
        return None
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return scores_summary(scores)


def _carried(results: Sequence[ClipResult]) -> dict[str, References]:
    return {r.clip_id: r.references for r in results if r.references is not None}
