"""Synthetic but realistic results (every field the pipeline fills), built without models."""

from __future__ import annotations

import random

from emer_common.contracts import (
    WORD_EVIDENCE,
    ClipResult,
    ClueReport,
    ClueStatus,
    EmotionLabel,
    ErrorInfo,
    Evidence,
    Modality,
    References,
)

LABELS = ("happy", "sad", "angry", "worried", "surprised", "calm", "annoyed", "excited")
SENTENCE = "I really can't believe you did that to me again today"
WORDS = SENTENCE.split(" ")


def clue(modality: Modality, start: float, rng: random.Random, labels: list[str]) -> ClueReport:
    evidence = [
        Evidence(name="f0_median", value=round(rng.uniform(90, 260), 1), unit="Hz"),
        Evidence(name="expression_segment", value=labels[0], start_s=start, end_s=start + 1.5),
        Evidence(name="AU12 lip corner puller", value=0.7, start_s=start + 0.5, end_s=start + 2),
        Evidence(name="loudness", value=-21.5, unit="LUFS", start_s=start, end_s=start + 3),
    ]
    if modality is Modality.AUDIO:
        evidence += [
            Evidence(
                name=WORD_EVIDENCE,
                value=word,
                start_s=round(start + 0.4 * i, 2),
                end_s=round(start + 0.4 * i + 0.3, 2),
                confidence=0.9,
            )
            for i, word in enumerate(WORDS)
        ]
    return ClueReport(
        job_id="job-1",
        clip_id="c",
        modality=modality,
        status=ClueStatus.OK,
        description=f"The {modality.value} reads as {labels[0]}.",
        cues=(f"{labels[0]} {modality.value} cue",),
        emotion_hints={labels[0]: 0.7},
        evidence=tuple(evidence),
        elapsed_s=round(rng.uniform(0.2, 3.0), 3),
    )


def make_result(index: int, seed: int = 0, source: str | None = None) -> ClipResult:
    """Clip ``index``: mostly fine, every 7th with a failed modality, every 11th failed."""
    rng = random.Random(seed * 100_003 + index)
    labels = rng.sample(LABELS, rng.randint(1, 3))
    start = float(index % 5) * 8.0
    clip_id = f"clip_{index:05d}"
    references = References(labels=(rng.choice(LABELS),))
    if index % 11 == 10:
        return ClipResult(
            job_id="job-1",
            clip_id=clip_id,
            source=source or f"videos/v{index // 5:04d}.mp4",
            start_s=start,
            end_s=start + 8.0,
            explanation="",
            errors=(ErrorInfo(code="unreadable_media", message="the file cannot be decoded"),),
            references=references,
        )
    clues = {m: clue(m, start, rng, labels) for m in Modality}
    errors: tuple[ErrorInfo, ...] = ()
    if index % 7 == 3:
        clues[Modality.VISUAL] = ClueReport(
            job_id="job-1",
            clip_id="c",
            modality=Modality.VISUAL,
            status=ClueStatus.NO_SIGNAL,
            description="No face is visible.",
            error=ErrorInfo(code="no_face", message="No face is visible."),
        )
        errors = (ErrorInfo(code="no_face", message="No face is visible."),)
    details = tuple(
        EmotionLabel(
            label=label,
            score=round(1.0 - 0.2 * rank, 2),
            modalities=tuple(list(Modality)[: 3 - rank]),
        )
        for rank, label in enumerate(labels)
    )
    return ClipResult(
        job_id="job-1",
        clip_id=clip_id,
        source=source or f"videos/v{index // 5:04d}.mp4",
        start_s=start,
        end_s=start + 8.0,
        clues=clues,
        explanation=f"The speaker sounds {' and '.join(labels)}; <b>quoted</b> & escaped.",
        labels=tuple(labels),
        label_details=details,
        errors=errors,
        references=references,
        fusion_elapsed_s=round(rng.uniform(0.5, 2.0), 3),
    )


def make_results(count: int, seed: int = 0) -> list[ClipResult]:
    return [make_result(i, seed) for i in range(count)]
