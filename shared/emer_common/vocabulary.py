"""emer's own emotion vocabulary: base words, word forms, valence, arousal and family.

Written by the project from public facts (Plutchik's eight basic emotions as families,
Parrott-style secondary words, common English word forms), so it is redistributable; the
non-commercial MER assets are loaded by the scoring service only when a directory is given.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class EmotionWord:
    word: str
    valence: float  # -1 (negative) .. 1 (positive)
    arousal: float  # 0 (calm) .. 1 (aroused)
    family: str  # one of Plutchik's eight, or "neutral"
    forms: tuple[str, ...]


class EmotionVocabulary:
    """Maps any known form ("anxiety", "Worried ") to its base word ("worried")."""

    def __init__(self, words: tuple[EmotionWord, ...]) -> None:
        self.words = {w.word: w for w in words}
        self._form_to_base: dict[str, str] = {}
        for w in words:
            self._form_to_base[w.word] = w.word
            for form in w.forms:
                self._form_to_base.setdefault(form, w.word)

    @classmethod
    @functools.cache
    def default(cls) -> EmotionVocabulary:
        text = resources.files("emer_common").joinpath("data/emotions.csv").read_text("utf-8")
        rows = csv.DictReader(text.splitlines())
        return cls(
            tuple(
                EmotionWord(
                    word=row["word"],
                    valence=float(row["valence"]),
                    arousal=float(row["arousal"]),
                    family=row["family"],
                    forms=tuple(f for f in row["forms"].split("|") if f),
                )
                for row in rows
            )
        )

    def normalize(self, label: str) -> str | None:
        """Base word for a label, or None when it is not an emotion word we know."""
        cleaned = re.sub(r"[^a-z ]", "", label.strip().lower()).strip()
        if cleaned in self._form_to_base:
            return self._form_to_base[cleaned]
        for suffix, replacement in (("ly", ""), ("ness", ""), ("s", "")):
            if cleaned.endswith(suffix):
                stem = cleaned[: -len(suffix)] + replacement
                if stem in self._form_to_base:
                    return self._form_to_base[stem]
        return None

    def get(self, word: str) -> EmotionWord | None:
        base = self.normalize(word)
        return self.words.get(base) if base else None

    def valence(self, word: str) -> float | None:
        entry = self.get(word)
        return entry.valence if entry else None

    def forms(self) -> dict[str, str]:
        """Every known form mapped to its base word."""
        return dict(self._form_to_base)
