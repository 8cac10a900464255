"""Loading the MER2025/MER2026 emotion-wheel assets from a directory the user gives.

The assets (``format.csv``, ``synonym.xlsx``, ``wheel1.xlsx`` .. ``wheel5.xlsx``) are
CC BY-NC 4.0: emer reads them where they are and never ships them. Their reading follows the
MER tools (pandas there, openpyxl here), detail by detail:

- ``format.csv`` (``name,format``): every word form in ``format`` (read with the wheel list
  parser) maps to ``name``; ``name`` maps to itself. Keys are not lower-cased.
- ``synonym.xlsx`` (``word_runN``/``synonym_runN`` column pairs): a word maps to itself and
  every synonym (stripped, lower-cased) maps to the word; the runs are united.
- ``wheelN.xlsx`` (``level1,level2,level3``): a blank cell repeats the one above; cells are
  stripped and lower-cased.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from emer_common.errors import file_problem
from emer_common.vocabulary import WheelRow
from emer_scoring.label_lists import LabelListError, parse_wheel_list
from emer_scoring.tables import ScoringInputError
from emer_scoring.wheel_assets import Wheel, WheelAssets, merge_pairs

FORMAT_FILE = "format.csv"
SYNONYM_FILE = "synonym.xlsx"
WHEEL_FILES = tuple(f"wheel{i}.xlsx" for i in range(1, 6))
WHEEL_COLUMNS = ("level1", "level2", "level3")
RUN_COLUMN = re.compile(r"^word_(run\d+)$")


def load_mer_assets(directory: Path) -> WheelAssets:
    """Read MER emotion-wheel assets; ``ScoringInputError`` names a missing or bad file."""
    if not directory.is_dir():
        raise ScoringInputError(directory, "not a directory of emotion-wheel assets")
    return WheelAssets(
        name=directory.name,
        forms=_read_forms(directory / FORMAT_FILE),
        synonyms=_read_synonyms(directory / SYNONYM_FILE),
        wheels=tuple(_read_wheel(directory / name) for name in WHEEL_FILES),
    )


def _read_forms(path: Path) -> dict[str, tuple[str, ...]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ScoringInputError(
            path, f"cannot read the word-form table: {file_problem(exc)}"
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not {"name", "format"} <= set(reader.fieldnames or ()):
        raise ScoringInputError(path, "expected columns 'name' and 'format'")
    pairs: list[tuple[str, str]] = []
    for row, record in enumerate(reader, start=1):
        base = record["name"] or ""
        try:
            forms = parse_wheel_list(record["format"] or "")
        except LabelListError as exc:
            raise ScoringInputError(path, f"column 'format': {exc}", row) from exc
        pairs.extend((form, base) for form in forms)
        pairs.append((base, base))
    return merge_pairs(pairs)


def _read_synonyms(path: Path) -> dict[str, tuple[str, ...]]:
    header, rows = _read_sheet(path)
    runs = [m.group(1) for m in map(RUN_COLUMN.match, header) if m]
    if not runs or any(f"synonym_{run}" not in header for run in runs):
        raise ScoringInputError(path, "expected column pairs 'word_runN' and 'synonym_runN'")
    pairs: list[tuple[str, str]] = []
    for run in runs:
        word_at, synonyms_at = header.index(f"word_{run}"), header.index(f"synonym_{run}")
        for row, cells in enumerate(rows, start=1):
            word = _text(cells, word_at).strip().lower()
            if not word:
                continue
            pairs.append((word, word))
            try:
                synonyms = parse_wheel_list(_text(cells, synonyms_at))
            except LabelListError as exc:
                raise ScoringInputError(path, f"column 'synonym_{run}': {exc}", row) from exc
            pairs.extend((synonym.strip().lower(), word) for synonym in synonyms)
    return merge_pairs(pairs)


def _read_wheel(path: Path) -> Wheel:
    header, rows = _read_sheet(path)
    if any(column not in header for column in WHEEL_COLUMNS):
        raise ScoringInputError(path, f"expected columns {', '.join(WHEEL_COLUMNS)}")
    at = [header.index(column) for column in WHEEL_COLUMNS]
    current = ["", "", ""]
    wheel_rows: list[WheelRow] = []
    for cells in rows:
        values = [_text(cells, i) for i in at]
        if not any(values):
            continue
        current = [value or previous for value, previous in zip(values, current, strict=True)]
        if not all(current):
            raise ScoringInputError(path, "a wheel row has a blank cell with nothing above it")
        inner, middle, word = (value.lower().strip() for value in current)
        wheel_rows.append(WheelRow(inner, middle, word))
    return Wheel(path.stem, tuple(wheel_rows))


def _read_sheet(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    try:
        import openpyxl  # the `scoring` extra; only MER assets need it
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ScoringInputError(path, "reading .xlsx needs openpyxl ('emer[scoring]')") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for unreadable files
        raise ScoringInputError(path, f"cannot read the workbook ({exc})") from exc
    try:
        sheet = book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise ScoringInputError(path, "the first sheet is empty")
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    return header, rows[1:]


def _text(cells: tuple[Any, ...], index: int) -> str:
    value = cells[index] if index < len(cells) else None
    return "" if value is None else str(value)
