"""Fusion's closed settings: backend names (or a dotted path) and the strategy."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from emer_fusion.settings import FusionSettings

pytestmark = pytest.mark.unit


def test_auto_strategy_is_decided_in_one_place() -> None:
    assert FusionSettings().resolved_strategy == "grounded"
    assert FusionSettings(backend="openai").resolved_strategy == "generative"
    assert FusionSettings(backend="openai", strategy="grounded").resolved_strategy == "grounded"
    assert FusionSettings(backend="my_llm.backend:Backend").resolved_strategy == "grounded"


def test_unknown_backend_or_strategy_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMER_FUSION_BACKEND", "nope")
    with pytest.raises(ValidationError, match="backend"):
        FusionSettings()
    with pytest.raises(ValidationError, match="strategy"):
        FusionSettings(backend="openai", strategy="best")
