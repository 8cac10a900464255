"""emer's own emotion vocabulary: base words, word forms, valence, arousal and family.

Written by the project from public facts (Plutchik's eight basic emotions as families,
Parrott-style secondary words, common English word forms), so it is redistributable; the
non-commercial MER assets are loaded by the scoring service only when a directory is given.

Besides the base words and their forms (``data/emotions.csv``) it holds synonyms
(``data/synonyms.csv``: looser equivalents, some of them too ambiguous in running prose to be
word forms, e.g. "low" for sad) and two project-written emotion wheels
(``data/wheel_parrott.csv``, ``data/wheel_plutchik.csv``) that place every base word in a
sector, so that wheel-based scoring works without the MER assets.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

DEFAULT_WHEELS: tuple[str, ...] = ("parrott", "plutchik")
"""Names of the project-written emotion wheels shipped in ``data/wheel_<name>.csv``."""


@dataclass(frozen=True)
class EmotionWord:
    word: str
    valence: float  # -1 (negative) .. 1 (positive)
    arousal: float  # 0 (calm) .. 1 (aroused)
    family: str  # one of Plutchik's eight, or "neutral"
    forms: tuple[str, ...]


@dataclass(frozen=True)
class WheelRow:
    """One leaf of an emotion wheel: innermost sector, middle sector, word."""

    level1: str
    level2: str
    level3: str


def _clean(label: str) -> str:
    return re.sub(r"[^a-z ]", "", label.strip().lower()).strip()


class EmotionVocabulary:
    """Maps any known form ("anxiety", "Worried ") to its base word ("worried")."""

    def __init__(
        self, words: tuple[EmotionWord, ...], synonyms: Mapping[str, str] | None = None
    ) -> None:
        self.words = {w.word: w for w in words}
        self._form_to_base: dict[str, str] = {}
        for w in words:
            self._form_to_base[w.word] = w.word
            for form in w.forms:
                self._form_to_base.setdefault(form, w.word)
        # Forms win over synonyms: a synonym never re-targets a known form.
        self._synonym_to_base: dict[str, str] = {}
        for synonym, base in (synonyms or {}).items():
            if base not in self.words:
                raise ValueError(f"synonym {synonym!r} points to unknown base word {base!r}")
            for key in (synonym.strip().lower(), _clean(synonym)):
                if key and key not in self._form_to_base:
                    self._synonym_to_base.setdefault(key, base)

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
            ),
            _read_synonyms(),
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

    def synonyms(self) -> dict[str, str]:
        """Every synonym (not already a word form) mapped to its base word."""
        return dict(self._synonym_to_base)

    def canonical(self, label: str) -> str | None:
        """Base word for a label, trying word forms first and then synonyms."""
        base = self.normalize(label)
        if base is not None:
            return base
        lowered = label.strip().lower()
        return self._synonym_to_base.get(lowered) or self._synonym_to_base.get(_clean(lowered))


def _read_data(name: str) -> str:
    return resources.files("emer_common").joinpath(f"data/{name}").read_text("utf-8")


def _read_synonyms() -> dict[str, str]:
    synonyms: dict[str, str] = {}
    for row in csv.DictReader(_read_data("synonyms.csv").splitlines()):
        for synonym in row["synonyms"].split("|"):
            if synonym:
                synonyms.setdefault(synonym, row["word"])
    return synonyms


@functools.cache
def default_wheel(name: str) -> tuple[WheelRow, ...]:
    """The rows of one project-written wheel (see ``DEFAULT_WHEELS``), in file order."""
    if name not in DEFAULT_WHEELS:
        raise KeyError(f"unknown wheel {name!r}; known: {', '.join(DEFAULT_WHEELS)}")
    rows = csv.DictReader(_read_data(f"wheel_{name}.csv").splitlines())
    return tuple(WheelRow(row["level1"], row["level2"], row["level3"]) for row in rows)
