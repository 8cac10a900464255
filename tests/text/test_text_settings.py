"""Settings and the backend registry."""

from __future__ import annotations

import pytest

from emer_text.backends.base import TextBackend
from emer_text.backends.registry import BACKENDS, create_backends
from emer_text.settings import DEFAULT_BACKENDS, TextSettings

pytestmark = pytest.mark.unit


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMER_TEXT_BACKENDS", '["en_rules", "zh_lexicon"]')
    monkeypatch.setenv("EMER_TEXT_MAX_CHARS", "120")
    settings = TextSettings()
    assert settings.backends == ("en_rules", "zh_lexicon")
    assert settings.max_chars == 120
    assert settings.health_port == 8080
    with pytest.raises(Exception, match="frozen"):
        settings.max_chars = 10  # type: ignore[misc]


def test_defaults_are_registered() -> None:
    assert set(DEFAULT_BACKENDS) <= set(BACKENDS.available())


def test_unknown_backend() -> None:
    with pytest.raises(KeyError, match="known"):
        BACKENDS.load("nrc")


def test_create_backends_in_order_without_duplicates() -> None:
    backends = create_backends(TextSettings(backends=("zh_lexicon", "en_rules", "zh_lexicon")))
    assert [b.name for b in backends] == ["zh_lexicon", "en_rules"]
    assert all(isinstance(b, TextBackend) for b in backends)
