"""Turning user inputs (files, folders, manifests) into clip jobs.

Videos are probed, not decoded: long ones are cut into clips by subtitle cues, else by
fixed windows, and the services decode only their clip's span. Anything unusable becomes a
``Rejection`` with a clear reason, and the rest of the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from emer_cli.manifest import ManifestEntry, Rejection, read_manifest
from emer_cli.scan import MANIFEST_SUFFIXES, MEDIA_SUFFIXES, Found, scan_folder
from emer_common.contracts import (
    ClipJob,
    ErrorInfo,
    MediaRef,
    Modality,
    References,
    encode,
    safe_token,
)
from emer_common.embedded_subtitles import read_embedded_subtitles
from emer_common.errors import PermanentError
from emer_common.media import MediaError, MediaInfo, check_allowed, probe
from emer_common.settings import MediaSettings
from emer_common.subtitle_store import MAX_CLIP_SUBTITLE_CHARS
from emer_common.subtitles import (
    Cue,
    SubtitleError,
    SubtitleTrack,
    read_subtitle_track,
    sidecar_candidates,
    texts_in_spans,
)

log = logging.getLogger(__name__)

__all__ = [
    "MANIFEST_SUFFIXES",
    "MEDIA_SUFFIXES",
    "IngestOptions",
    "IngestPlan",
    "ManifestEntry",
    "Rejection",
    "clip_token",
    "expand_inputs",
    "plan_jobs",
    "read_manifest",
    "windows",
]

MAX_BASE_ID_CHARS = 80
"""Longer names are cut and given a hash; the span index and a duplicate counter still fit
within the 128 characters a clip id may have."""
MAX_JOB_BYTES = 512 * 1024
"""A clip job larger than this could not be published (NATS caps messages at 1 MiB). Its
subtitle does not count: a long one travels by reference (``emer_common.subtitle_store``)."""


def _configured_roots() -> tuple[Path, ...]:
    # EMER_MEDIA_ALLOWED_ROOTS binds ingest as it binds the services, in every mode
    return MediaSettings().allowed_roots


@dataclass(frozen=True)
class IngestOptions:
    max_clip_s: float = 15.0  # videos up to this long stay one clip
    window_s: float = 8.0  # fixed window for long videos without subtitles
    min_clip_s: float = 0.5
    recursive: bool = True  # folder inputs: read subfolders too
    subtitle_languages: tuple[str, ...] = ()  # preferred sidecar / stream languages, in order
    allowed_roots: tuple[Path, ...] = field(default_factory=_configured_roots)
    """When set, every media path must resolve inside one of these (links included)."""


@dataclass
class IngestPlan:
    jobs: list[ClipJob] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def roots(self) -> tuple[Path, ...]:
        """Folders the services must be allowed to read."""
        found = {Path(j.media.path).resolve().parent for j in self.jobs if j.media.path}
        return tuple(sorted(found))


def clip_token(raw: str) -> str:
    """A clip id for any name: safe characters, long names cut with a stable hash."""
    token = safe_token(raw, max_len=len(raw) + 1)
    if len(token) <= MAX_BASE_ID_CHARS:
        return token
    digest = hashlib.sha256(raw.encode("utf-8", errors="replace")).hexdigest()[:10]
    return f"{token[: MAX_BASE_ID_CHARS - len(digest) - 1]}_{digest}"


def _unique(clip_id: str, used: set[str]) -> str:
    candidate, number = clip_id, 1
    while candidate in used:
        number += 1
        candidate = f"{clip_id}_{number}"
    used.add(candidate)
    return candidate


def expand_inputs(
    paths: Iterable[Path], recursive: bool = True
) -> Iterator[ManifestEntry | Rejection]:
    """Entries of files, folders (scanned) and manifests; each unusable item is a rejection."""
    for path in paths:
        if path.is_dir():
            for item in scan_folder(path, recursive):
                if isinstance(item, Found):
                    yield ManifestEntry(None, item.path, root=item.root)
                else:
                    yield Rejection(str(item.path), item.code, item.message)
        elif path.suffix.lower() in MANIFEST_SUFFIXES:
            yield from read_manifest(path)
        else:
            yield ManifestEntry(None, path)


def windows(
    duration: float | None, cues: list[Cue], options: IngestOptions
) -> list[tuple[float, float | None]]:
    """Clip spans: the whole file if short, else groups of subtitle cues, else windows."""
    if duration is None or duration <= options.max_clip_s:
        return [(0.0, duration)]
    # cues after the end of the video (a sidecar of a longer cut) make no clips
    timed = [c for c in cues if c.end_s != float("inf") and c.start_s < duration]
    if timed:
        spans: list[tuple[float, float | None]] = []
        start, end = timed[0].start_s, timed[0].end_s
        for cue in timed[1:]:
            if cue.end_s - start > options.max_clip_s:
                spans.append((start, min(end, duration)))
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
    """Clip jobs of every usable input; everything else is a rejection with its reason."""
    plan = IngestPlan()
    used: set[str] = set()
    for item in expand_inputs(inputs, options.recursive):
        if isinstance(item, Rejection):
            plan.rejections.append(item)
            continue
        try:
            jobs, rejections = _jobs_for(job_id, item, options, modalities, used)
        except PermanentError as error:
            plan.rejections.append(Rejection(str(item.path), error.code, error.message))
            continue
        except (OSError, ValueError, RuntimeError):
            # one odd input must not take the batch down; the traceback goes to the log
            log.exception("ingest of %s failed", item.path)
            plan.rejections.append(
                Rejection(
                    str(item.path),
                    "ingest_failed",
                    f"{item.path} was skipped: it could not be read or planned; see the log "
                    "for details.",
                )
            )
            continue
        plan.jobs.extend(jobs)
        plan.rejections.extend(rejections)
    return plan


def _allowed_path(entry: ManifestEntry, options: IngestOptions) -> Path:
    """The entry's media path, resolved, refused when it leaves its root or the allowed roots."""
    try:
        resolved = entry.path.resolve(strict=True)
    except (OSError, RuntimeError):
        resolved = None
    if resolved is None:
        return entry.path  # probe says what is wrong with it
    if entry.root is not None and not resolved.is_relative_to(entry.root):
        raise MediaError(
            "path_not_allowed",
            f"{entry.path} was skipped: it resolves to {resolved}, outside the manifest's "
            f"folder {entry.root}. Use an absolute path if that file is meant.",
        )
    if options.allowed_roots:
        check_allowed(resolved, options.allowed_roots)
    return resolved


def _modalities_for(
    info: MediaInfo, entry: ManifestEntry, wanted: tuple[Modality, ...]
) -> tuple[Modality, ...]:
    if not info.still_image:
        return wanted
    if Modality.VISUAL not in wanted:
        raise MediaError(
            "nothing_to_analyse",
            f"{entry.path} is a still image, which only the visual modality reads, and the "
            "visual modality was not asked for.",
        )
    return (Modality.VISUAL,)


def _check_sidecar_root(sidecar: Path, entry: ManifestEntry, options: IngestOptions) -> None:
    """A sidecar is held to its media's roots: a link may not read text from elsewhere."""
    try:
        resolved = sidecar.resolve(strict=True)
    except (OSError, RuntimeError):
        return  # reading it says what is wrong
    roots = [entry.root] if entry.root is not None else []
    outside = bool(roots) and not any(resolved.is_relative_to(root) for root in roots)
    if not outside and options.allowed_roots:
        outside = not any(
            resolved.is_relative_to(root.expanduser().resolve()) for root in options.allowed_roots
        )
    if outside:
        raise SubtitleError(
            "path_not_allowed",
            f"{sidecar} was not read: it links to {resolved}, outside the folders media may be "
            "read from.",
        )


def _subtitles(
    entry: ManifestEntry, media: Path, info: MediaInfo, options: IngestOptions
) -> tuple[SubtitleTrack | None, str | None, ErrorInfo | None]:
    """The clip's cues, where they come from, and why a sidecar could not be used."""
    if entry.subtitle is not None:
        return SubtitleTrack([Cue(0.0, float("inf"), entry.subtitle)]), "manifest", None
    if info.still_image:
        return None, None, None
    candidates = sidecar_candidates(entry.path, options.subtitle_languages)
    if candidates:
        sidecar = candidates[0]
        try:
            _check_sidecar_root(sidecar, entry, options)
            track = read_subtitle_track(sidecar, info.fps)
        except SubtitleError as error:
            # The clip is still analysed (the transcript replaces the subtitle); the
            # problem travels with it into the result.
            return None, None, ErrorInfo(code=error.code, message=error.message)
        warning = None
        if track.skipped:
            warning = ErrorInfo(
                code="subtitle_cues_skipped",
                message=f"{track.skipped} cue(s) of {sidecar} were skipped: their times are "
                "negative or end before they start.",
                permanent=False,
            )
        return track, str(sidecar), warning
    embedded = read_embedded_subtitles(media, options.subtitle_languages)
    if embedded is not None and embedded.cues:
        return embedded, f"{entry.path} (embedded subtitle stream)", None
    return None, None, None


def _jobs_for(
    job_id: str,
    entry: ManifestEntry,
    options: IngestOptions,
    modalities: tuple[Modality, ...],
    used: set[str],
) -> tuple[list[ClipJob], list[Rejection]]:
    media = _allowed_path(entry, options)
    info: MediaInfo = probe(media)
    clip_modalities = _modalities_for(info, entry, modalities)
    track, subtitle_source, subtitle_error = _subtitles(entry, media, info, options)
    cues: list[Cue] = track.cues if track is not None else []
    spans = windows(info.duration_s, cues, options)
    base = clip_token(entry.clip_id or entry.path.stem)
    references = (
        References(labels=entry.labels, explanation=entry.explanation)
        if entry.labels or entry.explanation
        else None
    )
    jobs: list[ClipJob] = []
    rejections: list[Rejection] = []
    texts = texts_in_spans(cues, spans) if cues else [""] * len(spans)
    for index, ((start, end), text) in enumerate(zip(spans, texts, strict=True)):
        clip_id = _unique(base if len(spans) == 1 else f"{base}_{index:04d}", used)
        subtitle = text or None
        error, source = subtitle_error, subtitle_source
        if subtitle is not None and len(subtitle) > MAX_CLIP_SUBTITLE_CHARS:
            error = ErrorInfo(
                code="subtitle_too_large",
                message=f"the subtitle of {entry.path} between {start:.1f} s and "
                f"{end if end is not None else 'the end'} s has {len(subtitle)} characters, "
                f"more than the {MAX_CLIP_SUBTITLE_CHARS} a clip's subtitle may have; the clip "
                "was analysed without it (on its transcript). Give it a subtitle that "
                "belongs to this clip.",
            )
            subtitle = source = None
        job = ClipJob(
            job_id=job_id,
            clip_id=clip_id,
            source=str(entry.path),
            media=MediaRef(kind="path", path=str(media.resolve())),
            start_s=round(start, 3),
            end_s=None if end is None else round(end, 3),
            subtitle=subtitle,
            subtitle_source=source,
            references=references if len(spans) == 1 else None,
            modalities=clip_modalities,
            subtitle_error=error,
        )
        size = len(encode(job.model_copy(update={"subtitle": None})))
        if size > MAX_JOB_BYTES:
            rejections.append(
                Rejection(
                    f"{entry.path} [{start:.1f}-{end if end is not None else 'end'} s]",
                    "clip_too_large",
                    f"clip {clip_id} of {entry.path} was skipped: its description is "
                    f"{size // 1024} kB, more than the {MAX_JOB_BYTES // 1024} kB a clip may "
                    "carry (long labels or explanation in the manifest?).",
                )
            )
            continue
        jobs.append(job)
    return jobs, rejections
