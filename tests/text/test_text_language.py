"""Language detection: script for CJK, the caller's hint, then py3langid."""

from __future__ import annotations

import pytest

from emer_text.language import LanguageDetector, Method, normalize_code, script_language

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(min_confidence=0.5, default_language="en")


def test_script() -> None:
    assert script_language("昨晚，都忘了好好谢谢你。") == "zh"
    assert script_language("Wei Wei 怀孕啦") == "zh"
    assert script_language("ありがとう") == "ja"
    assert script_language("고마워요") == "ko"
    assert script_language("Thank you") is None


def test_codes() -> None:
    assert normalize_code("en-US") == "en"
    assert normalize_code("zh_CN") == "zh"
    assert normalize_code("chi") == "zh"
    assert normalize_code(" ") is None


def test_detector(detector: LanguageDetector) -> None:
    guess = detector.detect("Thank you so much, I really appreciate everything you did.")
    assert (guess.code, guess.method) == ("en", Method.DETECTOR)
    assert detector.detect("Bonjour mon ami, comment ça va aujourd'hui ?").code == "fr"


def test_short_uncertain_text_falls_back(detector: LanguageDetector) -> None:
    guess = detector.detect("Ah. Wei Wei is pregnant.")
    assert guess.code == "en" and guess.method is Method.DEFAULT


def test_script_beats_hint(detector: LanguageDetector) -> None:
    assert detector.detect("我很难过", hint="en").code == "zh"
