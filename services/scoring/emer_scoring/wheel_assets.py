"""What the emotion-wheel metric maps labels with: word forms, synonyms and wheels.

Three levels, as in MER2025/MER2026 Track 2 (see docs/scoring.md):

1. ``forms``: a label (any word form, "anxiety") to its base words ("anxious");
2. ``synonyms``: a base word to the wheel words it stands for ("worried", "nervous");
3. each ``Wheel``: a wheel word to its sector, on the innermost ring (``level1``) or the
   middle ring (``level2``).

``WheelAssets`` holds the three levels for one vocabulary: the MER assets
(``emer_scoring.mer_assets``) or emer's own, redistributable vocabulary and wheels
(``emer_default_assets``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from emer_common.vocabulary import (
    DEFAULT_WHEELS,
    EmotionVocabulary,
    WheelRow,
    default_wheel,
)

WheelLevel = Literal["level1", "level2"]
WHEEL_LEVELS: tuple[WheelLevel, ...] = get_args(WheelLevel)
EMER_DEFAULT_NAME = "emer-default"


@dataclass(frozen=True)
class Wheel:
    """One emotion wheel: rows of (inner sector, middle sector, word), in file order."""

    name: str
    rows: tuple[WheelRow, ...]

    def tree(self) -> dict[str, dict[str, list[str]]]:
        """Inner sector -> middle sector -> words, each in order of first appearance."""
        tree: dict[str, dict[str, list[str]]] = {}
        for row in self.rows:
            tree.setdefault(row.level1, {}).setdefault(row.level2, []).append(row.level3)
        return tree

    def sector_map(self, level: WheelLevel) -> dict[str, str]:
        """Every word of the wheel (of any ring) mapped to its sector at ``level``.

        A word that sits in several sectors keeps the last one in file order. At ``level2``
        an inner-ring word maps to the alphabetically first of its middle-ring words.
        """
        if level not in WHEEL_LEVELS:
            raise ValueError(f"unknown wheel level {level!r}; known: {', '.join(WHEEL_LEVELS)}")
        mapping: dict[str, str] = {}
        for inner, middles in self.tree().items():
            mapping[inner] = inner if level == "level1" else sorted(middles)[0]
            for middle, words in middles.items():
                sector = inner if level == "level1" else middle
                mapping[middle] = sector
                for word in words:
                    mapping[word] = sector
        return mapping

    def words(self) -> frozenset[str]:
        return frozenset(self.sector_map("level1"))


@dataclass(frozen=True)
class WheelAssets:
    """Label -> base words -> wheel words -> sectors, for one vocabulary."""

    name: str
    forms: Mapping[str, tuple[str, ...]]
    synonyms: Mapping[str, tuple[str, ...]]
    wheels: tuple[Wheel, ...]
    fallback: Callable[[str], str | None] | None = field(default=None, compare=False)
    """Tried when a label is not in ``forms``: returns a key of ``forms`` or None."""

    def candidates(self, label: str) -> tuple[str, ...]:
        """The wheel words a (lower-cased, stripped) label may stand for, sorted."""
        bases = self.forms.get(label)
        if bases is None and self.fallback is not None:
            key = self.fallback(label)
            bases = self.forms.get(key) if key is not None else None
        if not bases:
            return ()
        return tuple(sorted({w for base in bases for w in self.synonyms.get(base, ())}))

    def known_labels(self) -> frozenset[str]:
        return frozenset(self.forms)


def merge_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Group (key, value) pairs by key, keeping each value once, in order of appearance."""
    merged: dict[str, list[str]] = {}
    for key, value in pairs:
        values = merged.setdefault(key, [])
        if value not in values:
            values.append(value)
    return {key: tuple(values) for key, values in merged.items()}


def emer_default_assets(
    vocabulary: EmotionVocabulary | None = None, wheel_names: tuple[str, ...] = DEFAULT_WHEELS
) -> WheelAssets:
    """emer's own vocabulary and wheels (Parrott's and Plutchik's taxonomies, project-written).

    Every base word of the vocabulary sits on every wheel, so a label maps to a sector as soon
    as the vocabulary knows it: by word form, synonym, or the vocabulary's suffix rules. A
    sector name of one wheel ("cheerfulness" on Parrott's) also stands for the base word it
    names, so it reaches a sector on the wheels that lack that name.
    """
    vocab = vocabulary or EmotionVocabulary.default()
    wheels = tuple(Wheel(name, default_wheel(name)) for name in wheel_names)
    wheel_words = sorted(set().union(*(wheel.words() for wheel in wheels)))
    named_bases = ((word, vocab.canonical(word)) for word in wheel_words)
    pairs = [
        *((form.lower(), base) for form, base in vocab.forms().items()),
        *((synonym.lower(), base) for synonym, base in vocab.synonyms().items()),
        *((word, word) for word in wheel_words),
        *((word, base) for word, base in named_bases if base is not None and base != word),
    ]
    return WheelAssets(
        name=EMER_DEFAULT_NAME,
        forms=merge_pairs(pairs),
        synonyms={word: (word,) for word in wheel_words},
        wheels=wheels,
        fallback=vocab.canonical,
    )
