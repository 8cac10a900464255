"""A long subtitle reaches the text service whole, by reference through the Object Store.

On main a sidecar over 2 MB was refused and a clip's subtitle was cut at 16 000 characters to
fit the clip job into one bus message (issue #14: "large subtitles carried by reference, not
inline").
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import emer
import nats.js.errors
import pytest

from emer_cli.analyze import AnalyzeOptions, run_analysis
from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.contracts import ClipJob, ClueStatus, MediaRef, Modality
from emer_common.errors import PermanentError
from emer_common.runtime import Bus, close_bus, open_bus
from emer_common.settings import BusSettings
from emer_common.subtitle_store import (
    MAX_INLINE_SUBTITLE_BYTES,
    by_reference,
    object_name,
    subtitle_text,
)
from tests.common.test_ingest_inputs import long_subtitle
from tests.conftest import SAMPLES

pytestmark = pytest.mark.integration


def evidence(result_clue, name: str) -> float:  # type: ignore[no-untyped-def]
    return next(e.number for e in result_clue.evidence if e.name == name)


def test_a_3_mb_sidecar_reaches_the_text_service_by_reference(
    bus_settings: BusSettings, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(SAMPLES / "happy_news.mp4", media / "talk.mp4")
    long_subtitle(media / "talk.srt", 4.0, 100_000, 3_000_000)
    services = ServiceProcesses(
        bus_env=client_env(bus_settings),
        prefix=bus_settings.subject_prefix,
        allowed_roots=(media,),
        log_dir=tmp_path / "logs",
        services=("text", "fusion"),
    )
    services.start()
    try:
        outcome = run_analysis(
            AnalyzeOptions(
                inputs=(media / "talk.mp4",),
                out_dir=tmp_path / "out",
                bus=bus_settings,
                modalities=(Modality.TEXT,),
                timeout_s=300,
            )
        )
    finally:
        services.stop()
    (result,) = outcome.results
    text = result.clues[Modality.TEXT]
    assert text.status is ClueStatus.OK, text.description
    assert "subtitle" in text.description.lower()
    assert evidence(text, "characters") > 90_000  # all of it, not the first 16 000
    assert not result.errors
    assert asyncio.run(stored_names(bus_settings)) == []  # removed once the clip was done


async def stored_names(settings: BusSettings) -> list[str]:
    bus = await open_bus(settings, "emer-test")
    try:
        store = await bus.js.object_store(bus.topology.media_bucket)
        try:
            return [info.name for info in await store.list(ignore_deletes=True)]
        except nats.js.errors.NotFoundError:  # an empty store
            return []
    finally:
        await close_bus(bus)


async def test_the_reference_round_trip_and_a_missing_object(bus: Bus) -> None:
    media = MediaRef(kind="path", path=str(SAMPLES / "happy_news.mp4"))
    short = ClipJob(job_id="j", clip_id="short", source="s", media=media, subtitle="hello")
    assert await by_reference(bus.js, bus.topology.media_bucket, short) is short

    words = "é" * (MAX_INLINE_SUBTITLE_BYTES // 2 + 1)  # two bytes each: just over the limit
    job = ClipJob(job_id="j", clip_id="long", source="s", media=media, subtitle=words)
    sent = await by_reference(bus.js, bus.topology.media_bucket, job)
    assert sent.subtitle is None and sent.subtitle_ref is not None and sent.has_subtitle
    assert sent.subtitle_ref.object_name == object_name(job)
    assert await subtitle_text(bus.js, sent) == words

    store = await bus.js.object_store(bus.topology.media_bucket)
    assert object_name(job) in [info.name for info in await store.list(ignore_deletes=True)]
    await store.delete(object_name(job))
    with pytest.raises(nats.js.errors.NotFoundError):
        await store.get_info(object_name(job))
    with pytest.raises(PermanentError) as missing:
        await subtitle_text(bus.js, sent)
    assert missing.value.code == "subtitle_missing"
    assert "rerun the clip" in missing.value.message


def test_in_process_the_long_subtitle_stays_inline_and_whole(tmp_path: Path) -> None:
    """`emer.analyze` without a bus: no message to fit, the analyzer gets the text itself."""
    shutil.copy(SAMPLES / "happy_news.mp4", tmp_path / "talk.mp4")
    long_subtitle(tmp_path / "talk.srt", 4.0, 100_000, 3_000_000)
    (result,) = emer.analyze([tmp_path / "talk.mp4"], modalities=["text"])
    text = result.clues[Modality.TEXT]
    assert text.status is ClueStatus.OK
    assert evidence(text, "characters") > 90_000
