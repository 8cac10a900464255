"""Which language a text is in: writing system first (decisive for CJK), then py3langid.

py3langid (BSD-3-Clause) ships its model in the wheel. On short Latin-script subtitles it is
unreliable ("Ah. Wei Wei is pregnant." reads as Latin), so below a confidence threshold the
configured default language is used, and the guess says so. A language given by the caller
(the job, or the ASR that produced a transcript) wins over the detector.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import version

from emer_common.contracts import ModelInfo

CJK_MIN_SHARE = 0.3
"""Share of letters in Han script from which a text counts as Chinese (names and numbers in
Latin script are common in Chinese subtitles)."""

ALIASES = {
    "chi": "zh", "zho": "zh", "cmn": "zh", "chinese": "zh", "mandarin": "zh", "eng": "en",
    "english": "en", "jpn": "ja", "japanese": "ja", "kor": "ko", "korean": "ko",
}  # fmt: skip
LANGUAGE_NAMES = {
    "en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "fr": "French",
    "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "ru": "Russian",
    "ar": "Arabic",
}  # fmt: skip


class Method(StrEnum):
    SCRIPT = "script"
    DETECTOR = "detector"
    HINT = "hint"
    DEFAULT = "default"


@dataclass(frozen=True)
class LanguageGuess:
    code: str
    confidence: float
    method: Method

    @property
    def name(self) -> str:
        return LANGUAGE_NAMES.get(self.code, self.code)


def normalize_code(raw: str | None) -> str | None:
    """'en-US' -> 'en', 'zh_CN' -> 'zh', 'chi' -> 'zh'; None for empty input."""
    if not raw or not raw.strip():
        return None
    code = raw.strip().lower().replace("_", "-").split("-")[0]
    return ALIASES.get(code, code)


def _script_counts(text: str) -> dict[str, int]:
    counts = {"han": 0, "kana": 0, "hangul": 0, "letters": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        counts["letters"] += 1
        name = unicodedata.name(ch, "")
        if name.startswith("CJK UNIFIED") or name.startswith("CJK COMPATIBILITY IDEOGRAPH"):
            counts["han"] += 1
        elif name.startswith(("HIRAGANA", "KATAKANA")):
            counts["kana"] += 1
        elif name.startswith("HANGUL"):
            counts["hangul"] += 1
    return counts


def script_language(text: str) -> str | None:
    """'ja', 'ko' or 'zh' when the writing system decides it, else None."""
    counts = _script_counts(text)
    letters = counts["letters"]
    if letters == 0:
        return None
    if counts["kana"]:
        return "ja"
    if counts["hangul"] / letters >= CJK_MIN_SHARE:
        return "ko"
    if counts["han"] / letters >= CJK_MIN_SHARE:
        return "zh"
    return None


class LanguageDetector:
    """Loaded once (about 1 s); ``detect`` takes well under a millisecond per subtitle."""

    def __init__(self, min_confidence: float, default_language: str) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self.min_confidence = min_confidence
        self.default_language = normalize_code(default_language) or "en"
        self.info = ModelInfo(
            component="text", backend="language", model="py3langid", version=version("py3langid")
        )

    def detect(self, text: str, hint: str | None = None) -> LanguageGuess:
        """Script for CJK; else the caller's hint (job or ASR language); else a confident
        detector guess; else the configured default."""
        by_script = script_language(text)
        if by_script is not None:
            return LanguageGuess(by_script, 1.0, Method.SCRIPT)
        given = normalize_code(hint)
        if given is not None:
            return LanguageGuess(given, 1.0, Method.HINT)
        code, probability = self._identifier.classify(text)
        if probability >= self.min_confidence:
            detected = normalize_code(str(code)) or self.default_language
            return LanguageGuess(detected, float(probability), Method.DETECTOR)
        return LanguageGuess(self.default_language, float(probability), Method.DEFAULT)
