"""Where a clip's text comes from, and the "no text" report when it never came.

A clip without a subtitle gets its text from the audio service's transcript: the text service
answers when the transcript arrives, and audio publishes one for every clip it finishes, also
on failure and on dead letter. Fusion's modality deadline is the only wait. For such a clip the
text modality is waited for while the audio *or* text services make progress, and when the
deadline passes with neither an audio report nor a text report, the text could never have been
read: fusion records the explicit "no text" report instead of naming text missing.
"""

from __future__ import annotations

from emer_common.clue_service import clue_report
from emer_common.contracts import ClipJob, ClueReport, Modality
from emer_common.findings import ModalityFindings
from emer_common.services import Consumer, services_of


def awaits_transcript(job: ClipJob) -> bool:
    """The clip's text is the audio transcript (no subtitle, and audio was asked for)."""
    return (
        not job.has_subtitle  # inline or by reference (emer_common.subtitle_store)
        and Modality.TEXT in job.modalities
        and Modality.AUDIO in job.modalities
    )


def waited_services(job: ClipJob, modality: Modality) -> tuple[Consumer, ...]:
    """The services whose progress keeps fusion waiting for ``modality`` of ``job``."""
    if modality is Modality.TEXT and awaits_transcript(job):
        return services_of(Modality.TEXT) + services_of(Modality.AUDIO)
    return services_of(modality)


def unreadable_text(
    job: ClipJob, missing: tuple[Modality, ...], deadline_s: float
) -> ClueReport | None:
    """The "no text" report for a clip whose transcript never came, else ``None``."""
    if not (awaits_transcript(job) and Modality.TEXT in missing and Modality.AUDIO in missing):
        return None
    reason = (
        "no subtitle, and no transcript arrived while the audio service made no progress "
        f"for {deadline_s:g} s"
    )
    return clue_report(job, Modality.TEXT, ModalityFindings.no_signal("no_text", reason), None)
