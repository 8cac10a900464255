"""The MER2024 open-vocabulary metric: set-level accuracy and recall with per-clip synonyms.

For each clip an LLM grouped the union of reference and predicted labels into synonym groups
(``openset-synonym``: one ``<clip>.npy`` per clip holding the groups as text). Every label is
lower-cased and mapped through its clip's groups (a member maps to its group's first word; a
later group wins); with G the reference set and P the prediction set, an empty P scores 0 and
otherwise accuracy = |G∩P|/|P|, recall = |G∩P|/|G|. Both are averaged over clips and the
final score is their mean. Clips with an empty reference are skipped (the MER tool would
divide by zero).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emer_scoring.label_lists import LabelListError, ListSyntax
from emer_scoring.tables import ScoringInputError

SYNONYM_SUFFIX = ".npy"


@dataclass(frozen=True)
class OpenSetScores:
    """Set-level accuracy and recall averaged over clips, and their mean."""

    accuracy: float
    recall: float
    clips: int
    skipped: int
    parser: str

    @property
    def average(self) -> float:
        return float(np.mean([self.accuracy, self.recall]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "recall": self.recall,
            "average": self.average,
            "clips": self.clips,
            "skipped_clips": self.skipped,
            "parser": self.parser,
        }


def load_synonym_texts(path: Path) -> dict[str, str]:
    """Clip name -> synonym-group text, from a zip of ``.npy`` files or a directory of them.

    The ``.npy`` files hold a numpy unicode scalar; they are read without pickle.
    """
    if path.is_dir():
        files = sorted(path.rglob(f"*{SYNONYM_SUFFIX}"))
        return {f.stem: _npy_text(f.read_bytes(), f) for f in files}
    if zipfile.is_zipfile(path):
        texts: dict[str, str] = {}
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                if member.endswith(SYNONYM_SUFFIX):
                    stem = Path(member).stem
                    texts[stem] = _npy_text(archive.read(member), f"{path}:{member}")
        return texts
    raise ScoringInputError(path, "synonyms must be a zip of .npy files or a directory of them")


def _npy_text(data: bytes, where: Path | str) -> str:
    try:
        value = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ScoringInputError(where, f"not a readable .npy without pickle ({exc})") from exc
    item = value.tolist() if isinstance(value, np.ndarray) else value
    if not isinstance(item, str):
        raise ScoringInputError(where, f"expected a text scalar, found {value.dtype}")
    return item


def synonym_map(groups: Iterable[Sequence[str]]) -> dict[str, str]:
    """Each member of a group mapped to the group's first word; a later group wins."""
    mapping: dict[str, str] = {}
    for group in groups:
        for member in group:
            mapping[member] = group[0]
    return mapping


def clip_accuracy_recall(
    reference: Iterable[str], prediction: Iterable[str], synonyms: Mapping[str, str]
) -> tuple[float, float] | None:
    """(accuracy, recall) of one clip, or None when its reference is empty."""
    gold = {synonyms.get(x.lower(), x.lower()) for x in reference}
    pred = {synonyms.get(x.lower(), x.lower()) for x in prediction}
    if not gold:
        return None
    if not pred:
        return 0.0, 0.0
    common = len(gold & pred)
    return common / len(pred), common / len(gold)


def score_openset(
    names: Sequence[str],
    references: Mapping[str, Sequence[str]],
    predictions: Mapping[str, Sequence[str]],
    synonym_texts: Mapping[str, str],
    syntax: ListSyntax,
) -> OpenSetScores:
    """The metric over ``names`` (label lists already read with ``syntax.labels``).

    ``ScoringInputError`` names the clip whose synonym groups are missing or unreadable.
    """
    accuracy: list[float] = []
    recall: list[float] = []
    for name in names:
        if name not in synonym_texts:
            raise ScoringInputError("synonyms", f"no synonym groups for clip {name!r}")
        try:
            groups = syntax.groups(synonym_texts[name])
        except LabelListError as exc:
            raise ScoringInputError("synonyms", f"clip {name!r}: {exc}") from exc
        pair = clip_accuracy_recall(references[name], predictions[name], synonym_map(groups))
        if pair is not None:
            accuracy.append(pair[0])
            recall.append(pair[1])
    clips = len(accuracy)
    return OpenSetScores(
        accuracy=float(np.mean(accuracy)) if clips else 0.0,
        recall=float(np.mean(recall)) if clips else 0.0,
        clips=clips,
        skipped=len(names) - clips,
        parser=syntax.name,
    )
