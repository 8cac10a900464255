"""Manifests (CSV or JSONL): one clip per row, each bad row rejected on its own.

A row that cannot be used (not an object, broken JSON, no path, labels of the wrong type) is
listed with its line number, and every other row still runs.
"""

from __future__ import annotations

import csv
import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""Largest manifest read; about half a million rows."""


@dataclass(frozen=True)
class ManifestEntry:
    clip_id: str | None
    path: Path
    subtitle: str | None = None
    labels: tuple[str, ...] = ()
    explanation: str | None = None
    root: Path | None = None
    """Folder the entry's media must stay inside (resolved, links included); None: anywhere."""


@dataclass(frozen=True)
class Rejection:
    source: str
    code: str
    message: str


def _manifest_text(path: Path) -> str:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("it is not a regular file")
    if info.st_size > MAX_MANIFEST_BYTES:
        raise ValueError(
            f"it is {info.st_size / 1e6:.0f} MB, more than the "
            f"{MAX_MANIFEST_BYTES / 1e6:.0f} MB a manifest may have; split it"
        )
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"it is not UTF-8 text (byte {error.start}); save it as UTF-8") from error


def _rows(path: Path, text: str) -> Iterator[tuple[int, object]]:
    """(line number, parsed row) pairs; a broken JSONL line gives its error as the row."""
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as error:
            # the csv module cannot resynchronise after a broken line: the rest is unread
            yield reader.line_num, ValueError(f"it is not valid CSV ({error}); later lines unread")
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as error:
            yield number, error


def _entry(path: Path, row: object) -> ManifestEntry:
    """One row as an entry; ``ValueError`` with a plain reason for rows that cannot be used."""
    if isinstance(row, ValueError):
        if path.suffix.lower() == ".csv":
            raise row
        raise ValueError("it is not valid JSON") from row
    if not isinstance(row, dict):
        raise ValueError('it is not an object like {"path": "clip.mp4"}')
    raw_path = row.get("path")
    if not raw_path or not isinstance(raw_path, str):
        raise ValueError("it has no 'path'")
    if "\0" in raw_path:
        raise ValueError("its path contains a NUL character")
    raw_labels = row.get("labels") or ()
    if isinstance(raw_labels, str):
        labels = [x.strip() for x in raw_labels.replace(";", ",").split(",") if x.strip()]
    elif isinstance(raw_labels, list | tuple):
        labels = [str(x) for x in raw_labels]
    else:
        raise ValueError("'labels' must be a string or a list")
    media = Path(raw_path)
    subtitle = row.get("subtitle")
    return ManifestEntry(
        clip_id=str(row["clip_id"]) if row.get("clip_id") else None,
        path=media if media.is_absolute() else path.parent / media,
        subtitle=str(subtitle) if subtitle not in (None, "") else None,
        labels=tuple(labels),
        explanation=str(row["explanation"]) if row.get("explanation") else None,
        # a relative path is the manifest's folder's business: it may not climb out of it
        root=None if media.is_absolute() else path.parent.resolve(),
    )


def read_manifest(path: Path) -> Iterator[ManifestEntry | Rejection]:
    """CSV (header: path[,clip_id,subtitle,labels,explanation]) or JSONL with the same keys.

    ``labels`` is a comma- or semicolon-separated string (CSV) or a list (JSONL); relative
    paths are relative to the manifest and must stay inside its folder.
    """
    try:
        text = _manifest_text(path)
    except (OSError, ValueError) as error:
        reason = error if isinstance(error, ValueError) else "it cannot be read"
        yield Rejection(str(path), "invalid_manifest", f"{path} was not read: {reason}.")
        return
    for number, row in _rows(path, text):
        try:
            yield _entry(path, row)
        except ValueError as error:
            yield Rejection(
                f"{path}:{number}",
                "invalid_manifest_row",
                f"line {number} of {path} was skipped: {error}.",
            )
