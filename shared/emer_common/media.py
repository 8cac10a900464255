"""Finding and probing media: allowed roots, Object Store staging, container probing.

Probing reads container metadata only; decoding is streamed by the services that need it,
so memory does not grow with the length of a video.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
from nats.js import JetStreamContext

from emer_common.contracts import MediaRef
from emer_common.decoding import default_stream, plain_reason
from emer_common.errors import PermanentError


class MediaError(PermanentError):
    """Media that cannot be processed; ``code`` is machine-readable."""


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    duration_s: float | None
    has_video: bool
    has_audio: bool
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    still_image: bool = False
    """A single picture (JPEG, PNG, ...), read by the visual modality only."""


def check_allowed(path: Path, allowed_roots: tuple[Path, ...]) -> Path:
    """Resolve ``path`` and refuse it unless it lies under one of ``allowed_roots``."""
    resolved = path.expanduser().resolve()
    for root in allowed_roots:
        if resolved.is_relative_to(root.expanduser().resolve()):
            return resolved
    raise MediaError(
        "path_not_allowed",
        f"{path} is outside the allowed media roots "
        f"({', '.join(str(r) for r in allowed_roots) or 'none configured'}); set "
        "EMER_MEDIA_ALLOWED_ROOTS or submit the file through the object store.",
    )


def _is_image_format(name: str) -> bool:
    # FFmpeg's demuxers of single pictures: image2 (by suffix) and the *_pipe ones (by content)
    return name == "image2" or name.endswith("_pipe")


def probe(path: Path) -> MediaInfo:
    """Read stream metadata; raise ``MediaError`` with a precise code for unusable files."""
    if not path.exists():
        if path.is_symlink():
            raise MediaError("broken_link", f"{path} is a link that loops or points to nothing")
        raise MediaError("not_found", f"{path} does not exist")
    if not path.is_file():
        raise MediaError("not_a_file", f"{path} is not a regular file")
    if path.stat().st_size == 0:
        raise MediaError("empty_file", f"{path} is empty (0 bytes)")
    try:
        with av.open(str(path)) as container:
            video = default_stream(container.streams.video)
            audio = default_stream(container.streams.audio)
            if video is None and audio is None:
                raise MediaError("no_media_streams", f"{path} has no video or audio stream")
            duration = None
            if container.duration is not None:
                duration = container.duration / 1_000_000
            elif video is not None and video.duration and video.time_base:
                duration = float(video.duration * video.time_base)
            fps = float(video.average_rate) if video is not None and video.average_rate else None
            return MediaInfo(
                path=path,
                duration_s=duration,
                has_video=video is not None,
                has_audio=audio is not None,
                width=video.width if video is not None else None,
                height=video.height if video is not None else None,
                fps=fps,
                still_image=audio is None and _is_image_format(container.format.name),
            )
    except MediaError:
        raise
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as error:
        raise MediaError(
            "unreadable_media",
            f"{path} cannot be read as video or audio: {plain_reason(error)}. Check that it "
            "plays in a media player, or convert it (e.g. `ffmpeg -i IN OUT.mp4`).",
        ) from error


class MediaResolver:
    """Turns a ``MediaRef`` into a local file a service can decode."""

    def __init__(
        self,
        allowed_roots: tuple[Path, ...],
        js: JetStreamContext | None = None,
        staging_dir: Path | None = None,
    ) -> None:
        self.allowed_roots = allowed_roots
        self.js = js
        self.staging_dir = staging_dir

    @contextlib.asynccontextmanager
    async def local_file(self, ref: MediaRef) -> AsyncIterator[Path]:
        if ref.kind == "path":
            if not ref.path:
                raise MediaError("invalid_reference", "media reference has no path")
            yield check_allowed(Path(ref.path), self.allowed_roots)
            return
        if self.js is None or not ref.bucket or not ref.object_name:
            raise MediaError("invalid_reference", "object media reference needs a bus + name")
        staging = Path(tempfile.mkdtemp(prefix="emer-media-", dir=self.staging_dir))
        try:
            target = staging / Path(ref.object_name).name
            store = await self.js.object_store(ref.bucket)
            with target.open("wb") as sink:
                # writeinto streams chunks to disk instead of buffering the object in memory
                await store.get(ref.object_name, writeinto=sink)
            yield target
        finally:
            shutil.rmtree(staging, ignore_errors=True)


async def upload_media(js: JetStreamContext, bucket: str, path: Path, name: str) -> MediaRef:
    store = await js.object_store(bucket)
    with path.open("rb") as source:
        info = await store.put(name, source)
    return MediaRef(kind="object", bucket=bucket, object_name=name, size_bytes=info.size)
