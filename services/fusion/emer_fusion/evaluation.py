"""``emer eval fusion``: fuse free-text clues from a CSV and write MER-style predictions.

CLUES.csv has columns ``name,visual,audio,text`` (any cell may be empty; UTF-8). PRED.csv
gets ``name,openset,explanation`` with ``openset`` a Python-list string as in the MER files.
Rows are appended as they finish, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from emer_common.contracts import ClueReport, ClueStatus, Modality
from emer_common.errors import InputError
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.clue_text import hints_from_text
from emer_fusion.fuse import ClipFuser, FusionOutput

REQUIRED_COLUMNS = ("name", "visual", "audio", "text")
OUTPUT_COLUMNS = ("name", "openset", "explanation")


class ClueFileError(InputError, ValueError):
    """A clue file for `emer eval fusion` cannot be read."""


@dataclass(frozen=True)
class ClueRow:
    name: str
    cells: dict[Modality, str]


def read_clues(path: Path) -> list[ClueRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ClueFileError(f"{path}: not UTF-8 (byte {error.start})") from error
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ClueFileError(
            f"{path}: missing column(s) {', '.join(missing)}; expected {','.join(REQUIRED_COLUMNS)}"
        )
    rows, seen = [], set()
    for number, row in enumerate(reader, start=2):
        name = (row["name"] or "").strip()
        if not name:
            raise ClueFileError(f"{path}, row {number}: empty name")
        if name in seen:
            raise ClueFileError(f"{path}, row {number}: duplicate name {name!r}")
        seen.add(name)
        rows.append(ClueRow(name, {m: (row[m.value] or "").strip() for m in Modality}))
    return rows


def clue_reports(row: ClueRow, vocabulary: EmotionVocabulary) -> dict[Modality, ClueReport]:
    return {
        modality: ClueReport(
            job_id="eval",
            clip_id="clip",
            modality=modality,
            status=ClueStatus.OK,
            description=text,
            emotion_hints=hints_from_text(text, vocabulary),
        )
        for modality, text in row.cells.items()
        if text
    }


def finished_names(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["name"] for row in csv.DictReader(handle) if row.get("name")}


def evaluate(
    fuser: ClipFuser,
    clues_path: Path,
    out_path: Path,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> Iterator[tuple[str, FusionOutput]]:
    """Fuse every row not yet in ``out_path``; yields each finished row."""
    rows = read_clues(clues_path)
    done = finished_names(out_path)
    todo = [row for row in rows if row.name not in done]
    csv.field_size_limit(sys.maxsize)
    new_file = not out_path.exists() or out_path.stat().st_size == 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(OUTPUT_COLUMNS)
        on_progress(len(done & {r.name for r in rows}), len(rows))
        for index, row in enumerate(todo, start=1):
            clues = clue_reports(row, fuser.vocabulary)
            output = fuser.fuse(clues)
            labels = [label.label for label in output.labels]
            writer.writerow([row.name, repr(labels), output.explanation])
            handle.flush()
            on_progress(len(rows) - len(todo) + index, len(rows))
            yield row.name, output
