"""Per-job aggregates of per-clip scores, small enough to live in a KV entry.

Per metric and value key the aggregate keeps a sum and a count, and it remembers which clips
it has counted so that a redelivered result is not counted twice. The summary reproduces the
dataset-level metrics: value keys named ``<wheel>.<stat>`` are averaged over clips per wheel,
then over wheels; where a wheel has ``P`` and ``R``, its ``F`` is 2PR/(P+R) of the means, and
the metric's ``F`` is the mean of the wheels' F (the MER2025 emotion-wheel recipe).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from emer_common.contracts import Score
from emer_scoring.emotion_wheel import f_score

AGGREGATE_VERSION = 1


@dataclass
class JobAggregate:
    """Running sums of one job's scores; ``add`` is idempotent per clip."""

    job_id: str = ""
    clips: set[str] = field(default_factory=set)
    sums: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    """Scores without values per metric (e.g. an unusable judge reply)."""
    vocabularies: dict[str, str] = field(default_factory=dict)

    def add(self, clip_id: str, scores: Iterable[Score]) -> bool:
        """Count one clip's scores; False (and no change) when the clip was counted before."""
        if clip_id in self.clips:
            return False
        self.clips.add(clip_id)
        for score in scores:
            self.vocabularies.setdefault(score.metric, score.vocabulary)
            if not score.values:
                self.failures[score.metric] = self.failures.get(score.metric, 0) + 1
                continue
            sums = self.sums.setdefault(score.metric, {})
            counts = self.counts.setdefault(score.metric, {})
            for key, value in score.values.items():
                sums[key] = sums.get(key, 0.0) + float(value)
                counts[key] = counts.get(key, 0) + 1
        return True

    def means(self, metric: str) -> dict[str, float]:
        """Mean of every value key of ``metric`` over the clips that have it."""
        counts = self.counts.get(metric, {})
        return {key: total / counts[key] for key, total in self.sums.get(metric, {}).items()}

    def summary(self) -> dict[str, dict[str, float]]:
        """Per metric: the means, per-wheel F where P and R exist, and means over wheels."""
        out: dict[str, dict[str, float]] = {}
        for metric in sorted(self.sums.keys() | self.failures.keys()):
            values = self.means(metric)
            by_stat: dict[str, dict[str, float]] = {}
            for key in sorted(values):
                prefix, dot, stat = key.rpartition(".")
                if dot:
                    by_stat.setdefault(stat, {})[prefix] = values[key]
            if "P" in by_stat and "R" in by_stat:
                both = sorted(by_stat["P"].keys() & by_stat["R"].keys())
                by_stat["F"] = {p: f_score(by_stat["P"][p], by_stat["R"][p]) for p in both}
                values.update({f"{p}.F": f for p, f in by_stat["F"].items()})
            for stat, per_prefix in by_stat.items():
                values[stat] = float(np.mean(list(per_prefix.values())))
            values["clips"] = float(max(self.counts.get(metric, {}).values(), default=0))
            values["failed"] = float(self.failures.get(metric, 0))
            out[metric] = values
        return out

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "version": AGGREGATE_VERSION,
                "job_id": self.job_id,
                "clips": sorted(self.clips),
                "sums": self.sums,
                "counts": self.counts,
                "failures": self.failures,
                "vocabularies": self.vocabularies,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> JobAggregate:
        """Read ``to_json`` output; ``b"{}"`` gives an empty aggregate."""
        raw = json.loads(data or b"{}")
        version = raw.get("version", AGGREGATE_VERSION)
        if version != AGGREGATE_VERSION:
            raise ValueError(f"job aggregate version {version} is not {AGGREGATE_VERSION}")
        return cls(
            job_id=raw.get("job_id", ""),
            clips=set(raw.get("clips", ())),
            sums={m: {k: float(v) for k, v in d.items()} for m, d in raw.get("sums", {}).items()},
            counts={m: {k: int(v) for k, v in d.items()} for m, d in raw.get("counts", {}).items()},
            failures={m: int(v) for m, v in raw.get("failures", {}).items()},
            vocabularies=dict(raw.get("vocabularies", {})),
        )
