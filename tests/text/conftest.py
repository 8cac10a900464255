"""Text fixtures: the default CPU analyzer, loaded once per test session."""

from __future__ import annotations

import pytest

from emer_text.analyzer import TextAnalyzer
from emer_text.backends.nade_backend import warm_nade
from emer_text.settings import TextSettings


@pytest.fixture(scope="session")
def text_analyzer() -> TextAnalyzer:
    """The default analyzer: en_rules + VADER + nade + the Chinese lexicon + py3langid."""
    warm_nade()  # nade unpacks its regressors into its package folder on first use
    return TextAnalyzer.from_settings(TextSettings())
