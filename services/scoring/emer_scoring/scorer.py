"""Scores of one ``ClipResult`` against its references: the domain code of the scoring service.

Metrics per clip (``Score.metric``):

- ``emotion_wheel.level1`` / ``.level2``: values ``<wheel>.P`` and ``<wheel>.R`` for every
  wheel on which the reference maps to a sector (``JobAggregate.summary`` turns them into the
  dataset-level F, P and R);
- ``hit_rate.level1`` / ``.level2``: ``<wheel>.hit``, for MER2023-style references (exactly one
  reference label);
- ``llm_judge``: ``clue_overlap`` and ``label_overlap`` (1-10) when the result has a reference
  explanation and the judge is enabled; judge model, prompt version and digest, temperature
  and raw reply go into ``details``; an unusable reply gives a score without values.

When the result has no labels but an explanation, labels are extracted from the explanation
(``label_extractor`` setting) and the score's details say so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from emer_common.contracts import ClipResult, Score
from emer_common.llm import LLMBackend, LLMSettings, create_backend
from emer_scoring.aggregate import JobAggregate
from emer_scoring.emotion_wheel import EmotionWheelMetric
from emer_scoring.extraction import LabelExtractor, build_extractor
from emer_scoring.judge import ExplanationJudge, JudgeReplyError, JudgeVerdict
from emer_scoring.mer_assets import load_mer_assets
from emer_scoring.settings import ScoringSettings
from emer_scoring.wheel_assets import WheelAssets, WheelLevel, emer_default_assets

__all__ = ["JobAggregate", "ResultScorer"]

log = logging.getLogger(__name__)

JUDGE_METRIC = "llm_judge"
NO_VOCABULARY = "n/a"
MAX_DETAIL_CHARS = 4_000
LLM_EXTRACTORS = frozenset({"llm", "llm+lexicon"})


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DETAIL_CHARS else text[:MAX_DETAIL_CHARS] + "…"


class ResultScorer:
    """Turns a ``ClipResult`` with references into ``Score`` messages (no bus, no I/O)."""

    def __init__(
        self,
        assets: WheelAssets,
        levels: Sequence[WheelLevel],
        extractor: LabelExtractor,
        judge: ExplanationJudge | None = None,
    ) -> None:
        self.assets = assets
        self.metrics = {level: EmotionWheelMetric(assets, level) for level in levels}
        self.extractor = extractor
        self.judge = judge

    @classmethod
    def from_settings(
        cls, settings: ScoringSettings, backend: LLMBackend | None = None
    ) -> ResultScorer:
        """Load the vocabulary (MER assets or emer's own) and, if configured, the LLM parts.

        Without ``backend``, the judge and LLM extraction use the LLM backend named by
        ``settings.llm_backend``, configured by the ``EMER_FUSION_*`` variables.
        """
        assets = load_mer_assets(settings.wheels_dir) if settings.wheels_dir else None
        needs_llm = settings.judge or settings.label_extractor in LLM_EXTRACTORS
        if needs_llm and backend is None:
            backend = create_backend(LLMSettings(), settings.llm_backend)
        judge = (
            ExplanationJudge(
                backend,
                settings.language,
                settings.judge_prompt_version,
                settings.judge_temperature,
            )
            if settings.judge and backend is not None
            else None
        )
        return cls(
            assets or emer_default_assets(),
            settings.wheel_levels,
            build_extractor(settings.label_extractor, backend, settings.language),
            judge,
        )

    def score(self, result: ClipResult) -> tuple[Score, ...]:
        """Every applicable score of one result; empty when it has no references."""
        references = result.references
        if references is None:
            return ()
        scores: list[Score] = []
        if references.labels:
            labels, details = self._predicted_labels(result)
            scores.extend(self._wheel_scores(result, references.labels, labels, details))
        if references.explanation and self.judge is not None:
            scores.append(self._judge_score(result, references.explanation))
        return tuple(scores)

    def _predicted_labels(self, result: ClipResult) -> tuple[tuple[str, ...], dict[str, str]]:
        if result.labels or not result.explanation.strip():
            return result.labels, {"labels_source": "result", "labels": ", ".join(result.labels)}
        extracted = self.extractor.extract(result.explanation)
        details = {"labels_source": extracted.method, "labels": ", ".join(extracted.labels)}
        if extracted.model:
            details["extraction_model"] = extracted.model
        if extracted.prompt_version:
            details["extraction_prompt"] = extracted.prompt_version
        if extracted.raw_reply is not None:
            details["extraction_raw_reply"] = _clip(extracted.raw_reply)
        return extracted.labels, details

    def _wheel_scores(
        self,
        result: ClipResult,
        reference: Sequence[str],
        prediction: Sequence[str],
        details: dict[str, str],
    ) -> list[Score]:
        scores = []
        for level, metric in self.metrics.items():
            m = metric.matrix([list(reference)], [list(prediction)])
            precision, recall = m.precision()[:, 0], m.recall()[:, 0]
            values: dict[str, float] = {}
            hits: dict[str, float] = {}
            for w, wheel in enumerate(metric.wheel_names):
                if m.scored[w, 0]:
                    values[f"{wheel}.P"] = float(precision[w])
                    values[f"{wheel}.R"] = float(recall[w])
                    hits[f"{wheel}.hit"] = float(m.overlap[w, 0] / m.reference_size[w, 0])
            if not values:
                continue  # the reference maps to no sector: the metric skips the clip
            scores.append(self._make(result, f"emotion_wheel.{level}", values, details))
            if len(reference) == 1:
                scores.append(self._make(result, f"hit_rate.{level}", hits, details))
        return scores

    def _judge_score(self, result: ClipResult, reference: str) -> Score:
        assert self.judge is not None
        try:
            verdict: JudgeVerdict = self.judge.judge(reference, result.explanation)
        except JudgeReplyError as exc:
            log.warning("judge reply unusable for %s/%s: %s", result.job_id, result.clip_id, exc)
            prompt = self.judge.prompt
            return self._make(
                result,
                JUDGE_METRIC,
                {},
                {
                    "error": str(exc),
                    "raw_reply": _clip(exc.raw_reply),
                    "judge_model": self.judge.backend.info.model,
                    "prompt_version": prompt.version,
                    "prompt_digest": prompt.digest,
                    "temperature": repr(self.judge.options.temperature),
                },
                vocabulary=NO_VOCABULARY,
            )
        details = verdict.provenance()
        details["raw_reply"] = _clip(details["raw_reply"])
        values = {"clue_overlap": verdict.clue_overlap, "label_overlap": verdict.label_overlap}
        return self._make(result, JUDGE_METRIC, values, details, vocabulary=NO_VOCABULARY)

    def _make(
        self,
        result: ClipResult,
        metric: str,
        values: dict[str, float],
        details: dict[str, str],
        vocabulary: str | None = None,
    ) -> Score:
        return Score(
            job_id=result.job_id,
            clip_id=result.clip_id,
            metric=metric,
            values=values,
            vocabulary=vocabulary or self.assets.name,
            details=details,
        )
