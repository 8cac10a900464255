"""Finding media in folders as users fill them: subfolders, odd suffixes, links, junk.

Every file met is either taken as media or listed with the reason it was skipped; nothing
vanishes without a word. Media are recognised by suffix first and, for unknown suffixes, by
asking FFmpeg whether it can read the file.
"""

from __future__ import annotations

import errno
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.error

from emer_common.subtitles import SIDECAR_SUFFIXES

VIDEO_SUFFIXES = frozenset(
    [
        ".mp4",
        ".m4v",
        ".mkv",
        ".avi",
        ".mov",
        ".qt",
        ".webm",
        ".mpg",
        ".mpeg",
        ".m2v",
        ".flv",
        ".ts",
        ".mts",
        ".m2ts",
        ".3gp",
        ".3g2",
        ".wmv",
        ".asf",
        ".vob",
        ".mxf",
        ".ogv",
        ".dv",
        ".divx",
        ".rm",
        ".rmvb",
        ".f4v",
        ".y4m",
    ]
)
AUDIO_SUFFIXES = frozenset(
    [
        ".wav",
        ".mp3",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".m4a",
        ".m4b",
        ".aac",
        ".ac3",
        ".eac3",
        ".wma",
        ".aif",
        ".aiff",
        ".au",
        ".amr",
        ".mka",
        ".caf",
        ".wv",
        ".ape",
        ".mp2",
    ]
)
IMAGE_SUFFIXES = frozenset([".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"])
MEDIA_SUFFIXES = VIDEO_SUFFIXES | AUDIO_SUFFIXES | IMAGE_SUFFIXES
MANIFEST_SUFFIXES = frozenset({".csv", ".jsonl"})
TEXT_DEMUXERS = frozenset({"tty"})
"""FFmpeg renders text files (.nfo, .asc, ...) as video through these; they are not media."""
PROBE_BYTES = 1 << 20  # FFmpeg reads at most this much of an unknown file to recognise it


@dataclass(frozen=True)
class Found:
    """A media file found in a folder scan."""

    path: Path
    root: Path  # the folder the user named; links must not lead out of it


@dataclass(frozen=True)
class Skipped:
    """A file of a folder scan that is not analysed, and why, in plain words."""

    path: Path
    code: str
    message: str


def _is_media(path: Path) -> bool:
    """Whether FFmpeg recognises the file as audio, video or an image (no decoding)."""
    try:
        with av.open(str(path), options={"probesize": str(PROBE_BYTES)}) as container:
            if container.format.name in TEXT_DEMUXERS:
                return False
            return bool(container.streams.video or container.streams.audio)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError):
        return False


def _classify(path: Path, root: Path) -> Found | Skipped | None:
    """What to do with one file of a scan; None for files that belong to media (sidecars)."""
    try:
        resolved = path.resolve(strict=True)
        info = resolved.stat()
    except (RuntimeError, OSError) as error:
        # Python 3.11 reports a link loop as RuntimeError, later versions as ELOOP
        if isinstance(error, RuntimeError) or error.errno == errno.ELOOP:
            return Skipped(path, "symlink_loop", f"{path} was skipped: it is a link that loops.")
        return Skipped(path, "broken_link", f"{path} was skipped: it links to nothing.")
    if not resolved.is_relative_to(root):
        return Skipped(
            path,
            "path_not_allowed",
            f"{path} was skipped: it links to {resolved}, outside the folder {root}.",
        )
    if not stat.S_ISREG(info.st_mode):
        return Skipped(
            path,
            "not_a_file",
            f"{path} was skipped: it is not a regular file (a pipe, device or socket).",
        )
    suffix = path.suffix.lower()
    if path.name.startswith("."):
        return Skipped(path, "hidden_file", f"{path} was skipped: hidden files are not read.")
    if suffix in MEDIA_SUFFIXES:
        return Found(path, root)
    if suffix in MANIFEST_SUFFIXES:
        return Skipped(
            path,
            "manifest_in_folder",
            f"{path} was not read: a manifest is read only when it is named as an input.",
        )
    if suffix in SIDECAR_SUFFIXES:
        return None  # read with its media file; see _orphans
    if info.st_size == 0:
        return Skipped(path, "empty_file", f"{path} was skipped: it is empty.")
    if _is_media(resolved):
        return Found(path, root)
    return Skipped(
        path,
        "not_media",
        f"{path} was skipped: it is not a video, audio or image file FFmpeg recognises.",
    )


def _orphans(children: list[Path], media: list[str]) -> Iterator[Skipped]:
    """Subtitle files that no media file of their folder claims (``clip.en.srt``: ``clip.*``)."""
    stems = [name.rsplit(".", 1)[0] + "." for name in media]
    for child in children:
        if child.suffix.lower() not in SIDECAR_SUFFIXES or child.name.startswith("."):
            continue
        if not any(child.name.startswith(stem) for stem in stems):
            yield Skipped(
                child,
                "orphan_subtitle",
                f"{child} was skipped: no media file beside it has its name "
                "(clip.srt and clip.en.srt go with clip.mp4).",
            )


def scan_folder(folder: Path, recursive: bool = True) -> Iterator[Found | Skipped]:
    """Media under ``folder`` in name order, subfolders included unless ``recursive`` is off.

    Links are followed only while they stay inside ``folder``; a folder reached twice (a link
    loop) is read once.
    """
    root = folder.resolve()
    seen: set[Path] = set()
    pending = [folder]
    while pending:
        current = pending.pop(0)
        try:
            real = current.resolve(strict=True)
            children = sorted(current.iterdir())
        except (OSError, RuntimeError):
            yield Skipped(
                current, "unreadable_folder", f"{current} was skipped: it cannot be read."
            )
            continue
        if real in seen:
            continue
        seen.add(real)
        subfolders: list[Path] = []
        media: list[str] = []
        for child in children:
            if child.is_dir() and not child.name.startswith("."):
                if recursive:
                    subfolders.append(child)
                else:
                    yield Skipped(
                        child,
                        "subfolder",
                        f"{child} was skipped: subfolders are not read (recursion is off).",
                    )
                continue
            verdict = _classify(child, root)
            if verdict is not None:
                yield verdict
            if isinstance(verdict, Found):
                media.append(child.name)
        yield from _orphans(children, media)
        for sub in subfolders:
            try:
                inside = sub.resolve(strict=True).is_relative_to(root)
            except (OSError, RuntimeError):
                inside = False
            if inside:
                pending.append(sub)
            else:
                yield Skipped(
                    sub, "path_not_allowed", f"{sub} was skipped: it leads outside {root}."
                )
