"""Which services fusion waits on for a clip's text, and when text could never be read."""

from __future__ import annotations

import pytest

from emer_common.contracts import ClipJob, ClueStatus, MediaRef, Modality
from emer_common.services import Consumer
from emer_fusion.text_source import awaits_transcript, unreadable_text, waited_services

pytestmark = pytest.mark.unit

ALL = (Modality.VISUAL, Modality.AUDIO, Modality.TEXT)


def job(subtitle: str | None = None, modalities: tuple[Modality, ...] = ALL) -> ClipJob:
    return ClipJob(
        job_id="j",
        clip_id="c",
        source="c.mp4",
        media=MediaRef(kind="path", path="/m/c.mp4"),
        subtitle=subtitle,
        modalities=modalities,
    )


def test_text_waits_on_audio_only_when_it_comes_from_the_transcript() -> None:
    assert awaits_transcript(job())
    assert not awaits_transcript(job(subtitle="hello"))
    by_reference = MediaRef(kind="object", bucket="b", object_name="j/subtitles/c.txt")
    assert not awaits_transcript(job().model_copy(update={"subtitle_ref": by_reference}))
    assert not awaits_transcript(job(modalities=(Modality.VISUAL, Modality.TEXT)))
    assert set(waited_services(job(), Modality.TEXT)) == {
        Consumer.TEXT,
        Consumer.TEXT_TRANSCRIPTS,
        Consumer.AUDIO,
    }
    assert Consumer.AUDIO not in waited_services(job(subtitle="hello"), Modality.TEXT)
    assert waited_services(job(), Modality.VISUAL) == (Consumer.VISUAL,)


def test_no_text_report_only_when_audio_never_finished() -> None:
    report = unreadable_text(job(), (Modality.AUDIO, Modality.TEXT), 300)
    assert report is not None and report.modality is Modality.TEXT
    assert report.status is ClueStatus.NO_SIGNAL
    assert report.error is not None and report.error.code == "no_text"
    assert "no progress for 300 s" in report.description
    assert unreadable_text(job(), (Modality.TEXT,), 300) is None  # audio answered
    assert unreadable_text(job(subtitle="x"), (Modality.AUDIO, Modality.TEXT), 300) is None
