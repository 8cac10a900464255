"""The output folder of a job: checked before any work, results appended as they arrive,
and what an earlier run into the same folder already finished.

A clip counts as done when ``results.jsonl`` holds its result and ``.emer-done.jsonl`` holds
the fingerprint it was made with: the clip's media (size, modification time, head and
tail), its span, subtitle and references, the modalities, and emer's configuration. A rerun
skips clips whose fingerprint is unchanged and redoes the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from emer_common.contracts import ClipJob, ClipResult
from emer_common.errors import InputError

RESULTS = "results.jsonl"
DONE = ".emer-done.jsonl"
HASHED_BYTES = 1024 * 1024  # of the media's head and tail: cheap, and catches re-encodes
# Settings that say where the bus is or hold secrets do not change what a clip yields.
NOT_CONFIGURATION = ("EMER_NATS_", "EMER_SUBJECT_PREFIX", "EMER_MEDIA_STAGING_DIR")


class OutputFolderError(InputError):
    """The output folder cannot be written."""

    code = "output_not_writable"


def configuration_fingerprint(environ: Mapping[str, str], extra: Iterable[str] = ()) -> str:
    """A digest of every ``EMER_*`` setting that can change results, plus ``extra``."""
    items = sorted(
        (k, v)
        for k, v in environ.items()
        if k.startswith("EMER_") and not k.startswith(NOT_CONFIGURATION)
    )
    digest = hashlib.sha256(json.dumps([items, list(extra)]).encode())
    return digest.hexdigest()[:16]


def clip_fingerprint(job: ClipJob, configuration: str) -> str:
    """What a clip's result depends on, as a short digest."""
    media: object = job.media.model_dump(mode="json")
    if job.media.path:
        media = _file_identity(Path(job.media.path))
    inputs = {
        "media": media,
        "span": [job.start_s, job.end_s],
        "subtitle": job.subtitle,
        "language": job.language,
        "references": job.references.model_dump(mode="json") if job.references else None,
        "modalities": [m.value for m in job.modalities],
        "configuration": configuration,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:24]


def _file_identity(path: Path) -> list[object]:
    try:
        stat = path.stat()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            digest.update(handle.read(HASHED_BYTES))
            if stat.st_size > HASHED_BYTES:
                handle.seek(max(HASHED_BYTES, stat.st_size - HASHED_BYTES))
                digest.update(handle.read(HASHED_BYTES))
    except OSError:
        return [str(path), None]  # unreadable now: never equal to a finished run's identity
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns, digest.hexdigest()]


@dataclass
class OutputFolder:
    """Where one job writes; ``open`` checks it can, before any work starts."""

    path: Path
    _results: IO[str] | None = field(default=None, repr=False)
    _done: IO[str] | None = field(default=None, repr=False)

    def check_writable(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".emer-write-check"
            probe.write_text("ok")
            probe.unlink()
        except OSError as error:
            raise OutputFolderError(
                f"cannot write to the output folder {self.path} ({error.strerror or error}); "
                "choose another one with --out or fix its permissions"
            ) from error

    def finished(self, fingerprints: Mapping[str, str]) -> dict[str, ClipResult]:
        """Results of an earlier run whose clip still has the same fingerprint."""
        done = dict(self._read_done())
        kept: dict[str, ClipResult] = {}
        for result in self._read_results():
            wanted = fingerprints.get(result.clip_id)
            if wanted is not None and done.get(result.clip_id) == wanted:
                kept[result.clip_id] = result
        return kept

    def start(self, kept: Iterable[tuple[ClipResult, str]]) -> None:
        """Rewrite the folder's state to ``kept``, then append new results as they come."""
        self.close()
        kept = list(kept)
        _atomic_lines(self.path / RESULTS, (_result_line(r) for r, _ in kept))
        _atomic_lines(
            self.path / DONE,
            (json.dumps({"clip_id": r.clip_id, "fingerprint": f}) + "\n" for r, f in kept),
        )
        self._results = (self.path / RESULTS).open("a", encoding="utf-8")
        self._done = (self.path / DONE).open("a", encoding="utf-8")

    def append(self, result: ClipResult, fingerprint: str) -> None:
        """One finished clip, flushed at once, so that an interrupted run keeps it."""
        assert self._results is not None and self._done is not None, "start() first"
        self._results.write(_result_line(result))
        self._results.flush()
        self._done.write(json.dumps({"clip_id": result.clip_id, "fingerprint": fingerprint}))
        self._done.write("\n")
        self._done.flush()

    def close(self) -> None:
        for handle in (self._results, self._done):
            if handle is not None:
                handle.close()
        self._results = self._done = None

    def _read_results(self) -> list[ClipResult]:
        results = []
        for line in _lines(self.path / RESULTS):
            try:
                results.append(ClipResult.model_validate_json(line))
            except ValidationError:
                continue  # a line cut short by a crash: that clip is simply redone
        return results

    def _read_done(self) -> list[tuple[str, str]]:
        pairs = []
        for line in _lines(self.path / DONE):
            try:
                entry = json.loads(line)
                pairs.append((str(entry["clip_id"]), str(entry["fingerprint"])))
            except (ValueError, KeyError, TypeError):
                continue
        return pairs


def _result_line(result: ClipResult) -> str:
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False) + "\n"


def _lines(path: Path) -> list[str]:
    try:
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError):
        return []


def _atomic_lines(path: Path, lines: Iterable[str]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.writelines(lines)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
