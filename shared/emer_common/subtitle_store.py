"""Subtitles too long for a bus message travel through the Object Store, by reference.

A clip job is published once and then copied into every clue report and transcript, so its
subtitle stays inline only while it is short (``MAX_INLINE_SUBTITLE_BYTES``). Longer text
(a lecture's cues for one span, a long manifest text, up to the hard limit of
``MAX_CLIP_SUBTITLE_CHARS``) is put into the media bucket before the job is published, and
the job carries ``subtitle_ref`` instead; the text service reads it back. The in-process
pipeline (``emer.analyze`` without a bus) has no messages and keeps the text inline.
"""

from __future__ import annotations

import logging

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext

from emer_common.contracts import ClipJob, MediaRef
from emer_common.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

MAX_INLINE_SUBTITLE_BYTES = 64 * 1024
"""Longest subtitle (UTF-8) carried inside the clip job; 15 s of speech is a few hundred."""
MAX_CLIP_SUBTITLE_CHARS = 1_000_000
"""Hard limit of one clip's subtitle text: above it the clip runs on its transcript and the
result says why (a subtitle this long for one clip is not a subtitle of that clip)."""
MAX_REFERENCE_BYTES = 4 * MAX_CLIP_SUBTITLE_CHARS  # UTF-8 takes at most 4 bytes a character


def object_name(job: ClipJob) -> str:
    return f"{job.job_id}/subtitles/{job.clip_id}.txt"


def needs_reference(job: ClipJob) -> bool:
    return job.subtitle is not None and len(job.subtitle.encode()) > MAX_INLINE_SUBTITLE_BYTES


async def by_reference(js: JetStreamContext, bucket: str, job: ClipJob) -> ClipJob:
    """The job to publish: unchanged when its subtitle is short, else with ``subtitle_ref``."""
    if not needs_reference(job):
        return job
    assert job.subtitle is not None
    store = await js.object_store(bucket)
    name = object_name(job)
    info = await store.put(name, job.subtitle.encode())
    ref = MediaRef(kind="object", bucket=bucket, object_name=name, size_bytes=info.size)
    log.info("clip %s: subtitle of %d bytes sent by reference (%s)", job.key, info.size, name)
    return job.model_copy(update={"subtitle": None, "subtitle_ref": ref})


async def subtitle_text(js: JetStreamContext | None, job: ClipJob) -> str | None:
    """The clip's subtitle, inline or read back from the Object Store; None without one."""
    ref = job.subtitle_ref
    if job.subtitle is not None or ref is None:
        return job.subtitle
    if js is None or ref.kind != "object" or not ref.bucket or not ref.object_name:
        raise PermanentError(
            "subtitle_unreadable",
            f"the subtitle of clip {job.clip_id} was sent by reference, but the reference "
            "names no Object Store entry; rerun the clip.",
        )
    try:
        store = await js.object_store(ref.bucket)
        info = await store.get_info(ref.object_name)
        if (info.size or 0) > MAX_REFERENCE_BYTES:
            raise PermanentError(
                "subtitle_too_large",
                f"the subtitle of clip {job.clip_id} is {info.size} bytes, more than a clip's "
                f"subtitle may have ({MAX_CLIP_SUBTITLE_CHARS} characters).",
            )
        result = await store.get(ref.object_name)
    except nats.js.errors.NotFoundError as error:  # also a deleted object
        raise PermanentError(
            "subtitle_missing",
            f"the subtitle of clip {job.clip_id} ({ref.object_name} in {ref.bucket}) is no "
            "longer in the Object Store (removed after the job ended?); rerun the clip.",
        ) from error
    except (nats.errors.TimeoutError, nats.errors.ConnectionClosedError) as error:
        raise TransientError(
            f"the subtitle of clip {job.clip_id} could not be read from the Object Store yet"
        ) from error
    return (result.data or b"").decode("utf-8", errors="replace")


async def forget(js: JetStreamContext, job: ClipJob) -> None:
    """Remove a finished clip's subtitle object; one that is already gone is fine."""
    ref = job.subtitle_ref
    if ref is None or not ref.bucket or not ref.object_name:
        return
    try:
        store = await js.object_store(ref.bucket)
        await store.delete(ref.object_name)
    except nats.js.errors.NotFoundError:
        pass
    except nats.errors.Error as error:
        log.warning("clip %s: its subtitle object was not removed (%s)", job.key, error)
