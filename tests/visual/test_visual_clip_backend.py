"""Plumbing of the open_clip backend with an UNTRAINED model (no weights can be downloaded).

These tests check loading, prompt embedding, batching and shapes only. An untrained model's
scores mean nothing, so none of them is asserted as a result, and the analyzer must ignore
them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from emer_common.errors import UnknownNameError
from emer_visual.analyzer import VisualAnalyzer
from emer_visual.backends import create_backend
from emer_visual.settings import VisualSettings

pytestmark = pytest.mark.unit

SMALL_ARCH = "ViT-S-32"
"""A small open_clip architecture, to keep the untrained model cheap to create."""


@pytest.fixture(scope="module")
def untrained_settings() -> VisualSettings:
    return VisualSettings(
        backend="clip", clip_model_name=SMALL_ARCH, clip_allow_untrained=True, clip_device="cpu"
    )


@pytest.fixture(scope="module")
def untrained(untrained_settings: VisualSettings) -> Iterator[VisualAnalyzer]:
    pytest.importorskip("open_clip")
    loaded = VisualAnalyzer.from_settings(untrained_settings)
    yield loaded
    loaded.close()


def test_clip_backend_refuses_to_start_without_weights() -> None:
    with pytest.raises(ValueError, match="EMER_VISUAL_CLIP_WEIGHTS_PATH"):
        create_backend(VisualSettings(backend="clip"))


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match="clip, mediapipe"):
        create_backend(VisualSettings(backend="nope"))


def test_untrained_clip_predicts_a_distribution_per_crop(
    untrained: VisualAnalyzer, astronaut: np.ndarray
) -> None:
    backend = untrained.backend
    assert backend.trained is False
    assert "untrained" in backend.info.model
    crops = [astronaut[:256, :256], astronaut[100:300, 150:350], astronaut]
    probabilities = backend.predict(crops)
    assert probabilities.shape == (3, len(backend.labels))
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)


def test_analyzer_ignores_untrained_scores(
    untrained: VisualAnalyzer, astronaut: np.ndarray
) -> None:
    findings = untrained.analyze_images([astronaut])
    assert "Independently" not in findings.description
    assert not any(e.name.startswith("classifier_") for e in findings.evidence)
    assert any("untrained" in m.model for m in findings.models)


def test_weights_are_loaded_from_a_local_checkpoint(
    untrained: VisualAnalyzer, untrained_settings: VisualSettings, tmp_path: Path
) -> None:
    """The real loading path (pretrained=<file>) with a checkpoint saved by this test."""
    import torch

    checkpoint = tmp_path / "clip.pt"
    torch.save(untrained.backend._model.state_dict(), checkpoint)  # type: ignore[attr-defined]
    settings = untrained_settings.model_copy(update={"clip_weights_path": checkpoint})
    loaded = create_backend(settings)
    crops = [np.full((64, 64, 3), 90, np.uint8), np.full((64, 64, 3), 200, np.uint8)]
    try:
        assert loaded.trained is True and "clip.pt" in loaded.info.model
        np.testing.assert_allclose(
            loaded.predict(crops), untrained.backend.predict(crops), atol=1e-5
        )
    finally:
        loaded.close()


@pytest.mark.gpu
def test_untrained_clip_runs_on_cuda(astronaut: np.ndarray) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    settings = VisualSettings(
        backend="clip", clip_model_name=SMALL_ARCH, clip_allow_untrained=True, clip_device="auto"
    )
    backend = create_backend(settings)
    try:
        probabilities = backend.predict([astronaut] * 4)
        assert probabilities.shape == (4, len(backend.labels))
        assert next(backend._model.parameters()).is_cuda  # type: ignore[attr-defined]
    finally:
        backend.close()
