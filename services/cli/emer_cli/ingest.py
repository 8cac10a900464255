"""Turning user inputs (files, folders, manifests) into clip jobs.

Videos are probed, not decoded: long ones are cut into clips by subtitle cues, else by
fixed windows, and the services decode only their clip's span. Anything unusable becomes a
``Rejection`` with a clear reason, and the rest of the batch goes on.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from emer_common.contracts import (
    ClipJob,
    ErrorInfo,
    MediaRef,
    Modality,
    References,
    safe_token,
)
from emer_common.errors import PermanentError
from emer_common.media import MediaInfo, probe
from emer_common.subtitles import (
    Cue,
    SubtitleError,
    find_sidecar,
    read_subtitle,
    text_in_span,
)

MEDIA_SUFFIXES = frozenset(
    {
        ".mp4",
        ".mkv",
        ".avi",
        ".mov",
        ".webm",
        ".m4v",
        ".mpg",
        ".mpeg",
        ".flv",
        ".wav",
        ".mp3",
        ".flac",
        ".ogg",
        ".m4a",
    }
)
MANIFEST_SUFFIXES = frozenset({".csv", ".jsonl"})


@dataclass(frozen=True)
class IngestOptions:
    max_clip_s: float = 15.0  # videos up to this long stay one clip
    window_s: float = 8.0  # fixed window for long videos without subtitles
    min_clip_s: float = 0.5


@dataclass(frozen=True)
class ManifestEntry:
    clip_id: str | None
    path: Path
    subtitle: str | None = None
    labels: tuple[str, ...] = ()
    explanation: str | None = None


@dataclass(frozen=True)
class Rejection:
    source: str
    code: str
    message: str


@dataclass
class IngestPlan:
    jobs: list[ClipJob] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def roots(self) -> tuple[Path, ...]:
        """Folders the services must be allowed to read."""
        found = {Path(j.media.path).resolve().parent for j in self.jobs if j.media.path}
        return tuple(sorted(found))


def expand_inputs(paths: Iterable[Path]) -> Iterator[ManifestEntry | Rejection]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and child.suffix.lower() in MEDIA_SUFFIXES:
                    yield ManifestEntry(None, child)
        elif path.suffix.lower() in MANIFEST_SUFFIXES:
            try:
                yield from read_manifest(path)
            except (OSError, ValueError, KeyError) as error:
                yield Rejection(str(path), "invalid_manifest", f"{path}: {error}")
        else:
            yield ManifestEntry(None, path)


def read_manifest(path: Path) -> Iterator[ManifestEntry]:
    """CSV (header: path[,clip_id,subtitle,labels,explanation]) or JSONL with the same keys.

    ``labels`` is a comma- or semicolon-separated string (CSV) or a list (JSONL); relative
    paths are relative to the manifest.
    """
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows: list[dict[str, object]] = list(csv.DictReader(text.splitlines()))
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    for number, row in enumerate(rows, start=2 if path.suffix.lower() == ".csv" else 1):
        if not row.get("path"):
            raise ValueError(f"row {number} has no 'path'")
        media = Path(str(row["path"]))
        raw_labels = row.get("labels") or ()
        if isinstance(raw_labels, str):
            labels = [x.strip() for x in raw_labels.replace(";", ",").split(",") if x.strip()]
        elif isinstance(raw_labels, list | tuple):
            labels = [str(x) for x in raw_labels]
        else:
            raise ValueError(f"row {number}: 'labels' must be a string or a list")
        yield ManifestEntry(
            clip_id=str(row["clip_id"]) if row.get("clip_id") else None,
            path=media if media.is_absolute() else path.parent / media,
            subtitle=str(row["subtitle"]) if row.get("subtitle") not in (None, "") else None,
            labels=tuple(labels),
            explanation=str(row["explanation"]) if row.get("explanation") else None,
        )


def windows(
    duration: float | None, cues: list[Cue], options: IngestOptions
) -> list[tuple[float, float | None]]:
    """Clip spans: the whole file if short, else groups of subtitle cues, else windows."""
    if duration is None or duration <= options.max_clip_s:
        return [(0.0, duration)]
    timed = [c for c in cues if c.end_s != float("inf")]
    if timed:
        spans: list[tuple[float, float | None]] = []
        start, end = timed[0].start_s, timed[0].end_s
        for cue in timed[1:]:
            if cue.end_s - start > options.max_clip_s:
                spans.append((start, end))
                start = cue.start_s
            end = cue.end_s
        spans.append((start, min(end, duration)))
        return [(s, e) for s, e in spans if e is not None and e - s >= options.min_clip_s]
    spans = []
    t = 0.0
    while t < duration - options.min_clip_s:
        spans.append((t, min(t + options.window_s, duration)))
        t += options.window_s
    return spans


def plan_jobs(
    job_id: str,
    inputs: Iterable[Path],
    options: IngestOptions,
    modalities: tuple[Modality, ...],
) -> IngestPlan:
    plan = IngestPlan()
    used: set[str] = set()
    for item in expand_inputs(inputs):
        if isinstance(item, Rejection):
            plan.rejections.append(item)
            continue
        try:
            plan.jobs.extend(_jobs_for(job_id, item, options, modalities, used))
        except PermanentError as error:
            plan.rejections.append(Rejection(str(item.path), error.code, error.message))
    return plan


def _jobs_for(
    job_id: str,
    entry: ManifestEntry,
    options: IngestOptions,
    modalities: tuple[Modality, ...],
    used: set[str],
) -> list[ClipJob]:
    info: MediaInfo = probe(entry.path)
    sidecar = find_sidecar(entry.path) if entry.subtitle is None else None
    cues: list[Cue] = []
    subtitle_error = None
    if sidecar is not None:
        try:
            cues = read_subtitle(sidecar)
        except SubtitleError as error:
            # The clip is still analysed (the transcript replaces the subtitle); the
            # problem travels with it into the result.
            subtitle_error = ErrorInfo(code=error.code, message=error.message)
            sidecar = None
    if entry.subtitle is not None:
        cues = [Cue(0.0, float("inf"), entry.subtitle)]
    spans = windows(info.duration_s, cues, options)
    base = safe_token(entry.clip_id or entry.path.stem)
    references = (
        References(labels=entry.labels, explanation=entry.explanation)
        if entry.labels or entry.explanation
        else None
    )
    jobs = []
    for index, (start, end) in enumerate(spans):
        clip_id = base if len(spans) == 1 else f"{base}_{index:04d}"
        while clip_id in used:
            clip_id = f"{clip_id}_dup"
        used.add(clip_id)
        subtitle = (text_in_span(cues, start, end) or None) if cues else None
        jobs.append(
            ClipJob(
                job_id=job_id,
                clip_id=clip_id,
                source=str(entry.path),
                media=MediaRef(kind="path", path=str(entry.path.resolve())),
                start_s=round(start, 3),
                end_s=None if end is None else round(end, 3),
                subtitle=subtitle,
                subtitle_source=str(sidecar)
                if sidecar
                else ("manifest" if entry.subtitle else None),
                references=references if len(spans) == 1 else None,
                modalities=modalities,
                subtitle_error=subtitle_error,
            )
        )
    return jobs
