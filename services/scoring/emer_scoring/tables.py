"""Reading reference and prediction tables (``name,openset`` CSVs as the MER files use).

Every problem becomes a ``ScoringInputError`` that names the file, the row and what is wrong,
so that a person can fix the input without reading code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from emer_common.errors import InputError, file_problem
from emer_scoring.label_lists import LabelListError, LabelParser

NAME_COLUMN = "name"
LABELS_COLUMN = "openset"
MAX_LISTED_NAMES = 5  # names quoted in one error message


class ScoringInputError(InputError, ValueError):
    """Bad scoring input, located by file and (when known) data row (1 = first after header)."""

    def __init__(self, path: Path | str, problem: str, row: int | None = None) -> None:
        self.path = str(path)
        self.row = row
        self.problem = problem
        where = f"{self.path}: row {row}" if row is not None else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class LabelTable:
    """The raw label cells of one CSV, by clip name, in file order."""

    path: str
    cells: Mapping[str, str]
    rows: Mapping[str, int]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.cells)

    def parsed(self, parser: LabelParser) -> dict[str, tuple[str, ...]]:
        """Every cell read with ``parser``; the first unreadable one raises with its row."""
        out: dict[str, tuple[str, ...]] = {}
        for name, cell in self.cells.items():
            try:
                out[name] = parser(cell)
            except LabelListError as exc:
                raise ScoringInputError(
                    self.path, f"column {LABELS_COLUMN!r} of {name!r}: {exc}", self.rows[name]
                ) from exc
        return out


def read_label_table(
    path: Path, name_column: str = NAME_COLUMN, labels_column: str = LABELS_COLUMN
) -> LabelTable:
    """Read a ``name,<labels>`` CSV; other columns are ignored, names must be unique."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScoringInputError(path, f"cannot read the file: {file_problem(exc)}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in (name_column, labels_column) if c not in header]
    if missing:
        raise ScoringInputError(
            path,
            f"missing column(s) {', '.join(map(repr, missing))}; the header has "
            f"{', '.join(map(repr, header)) or 'no columns'} (expected {name_column!r} and "
            f"{labels_column!r})",
        )
    cells: dict[str, str] = {}
    rows: dict[str, int] = {}
    try:
        for index, record in enumerate(reader, start=1):
            name = (record.get(name_column) or "").strip()
            if not name:
                raise ScoringInputError(path, f"empty {name_column!r}", index)
            if name in cells:
                raise ScoringInputError(
                    path, f"duplicate name {name!r} (first seen in row {rows[name]})", index
                )
            cells[name] = record.get(labels_column) or ""
            rows[name] = index
    except csv.Error as exc:
        raise ScoringInputError(path, f"malformed CSV ({exc})", reader.line_num) from exc
    return LabelTable(str(path), cells, rows)


def check_same_names(reference: LabelTable, prediction: LabelTable) -> tuple[str, ...]:
    """The clip names in reference order; raises when the two tables differ in names."""
    for have, lack in ((reference, prediction), (prediction, reference)):
        absent = [name for name in have.cells if name not in lack.cells]
        if absent:
            first = absent[0]
            listed = ", ".join(repr(n) for n in absent[:MAX_LISTED_NAMES])
            extra = len(absent) - MAX_LISTED_NAMES
            more = f" and {extra} more" if extra > 0 else ""
            raise ScoringInputError(
                lack.path,
                f"no row for {len(absent)} name(s) of {have.path}: {listed}{more} "
                f"(first at {have.path} row {have.rows[first]})",
            )
    return reference.names
