"""Words for the visual clue: an EMER-style paragraph and short cue phrases.

The paragraph follows the main face through time ("In the video, ... at first ...; later the
expression changes: ..."), then its strongest actions, head and eye movements, and what the
independent classifier read. Numbers stay in the structured evidence; the text keeps times
and FACS codes only where they help a reader check the claim.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emer_visual.actions import ACTION_UNITS, ActionUnit, facs_letter
from emer_visual.emotions import EMOTIONS
from emer_visual.head import MovementEvent
from emer_visual.timeline import AuEpisode, Segment

READINGS: dict[str, str] = {
    "happy": "a happy, smiling expression",
    "surprised": "a surprised look",
    "sad": "a sad expression",
    "angry": "an angry look",
    "worried": "a worried look",
    "afraid": "a fearful look",
    "disgusted": "a look of disgust",
    "neutral": "a neutral expression",
}
FADES: dict[str, str] = {
    "AU1": "the inner brows come down",
    "AU2": "the brows come down",
    "AU4": "the brows relax",
    "AU5": "the eyes relax",
    "AU6": "the cheeks relax",
    "AU7": "the eyelids relax",
    "AU9": "the nose relaxes",
    "AU10": "the upper lip settles",
    "AU12": "the smile fades",
    "AU14": "the dimples fade",
    "AU15": "the mouth corners lift back",
    "AU17": "the chin relaxes",
    "AU20": "the lips relax",
    "AU24": "the lips part again",
    "AU26": "the mouth closes",
    "AU28": "the lips release",
    "AU43": "the eyes open",
}
TELLING_ORDER: tuple[str, ...] = (
    "AU12",
    "AU6",
    "AU10",
    "AU4",
    "AU1",
    "AU2",
    "AU5",
    "AU7",
    "AU9",
    "AU15",
    "AU17",
    "AU14",
    "AU20",
    "AU24",
    "AU28",
    "AU26",
    "AU43",
)
"""Order in which a segment's actions are told: the most telling first."""
COMBINED: dict[frozenset[str], tuple[str, str]] = {
    frozenset({"AU1", "AU2"}): ("the brows are raised", "the raised brows come down"),
    frozenset({"AU6", "AU12"}): (
        "the corners of the mouth are pulled up into a smile that raises the cheeks",
        "the smile fades",
    ),
}
"""AU pairs told as one action: (phrase when it appears, phrase when it fades)."""
UNDESCRIBED_IN_SEGMENTS = frozenset({"AU43"})
"""AUs told with the movements instead (closed eyes), not in the expression segments."""
CUE_WORDS: dict[str, str] = {
    "AU1": "inner brows raised",
    "AU2": "outer brows raised",
    "AU4": "brows furrowed",
    "AU5": "eyes wide open",
    "AU6": "cheeks raised",
    "AU7": "eyelids tightened",
    "AU9": "nose wrinkled",
    "AU10": "upper lip raised",
    "AU12": "smile",
    "AU14": "mouth corners dimpled",
    "AU15": "mouth corners down",
    "AU17": "chin raised",
    "AU20": "lips stretched",
    "AU24": "lips pressed",
    "AU26": "mouth open",
    "AU28": "lips sucked in",
    "AU43": "eyes closed",
}
"""Plain words for each AU in the cue phrases (the fusion LLM reads them)."""
PEAKS_TOLD = 2
"""How many action-unit peaks the paragraph names."""
CLASSIFIER_NAMES: dict[str, str] = {
    "mediapipe": "the FER-7 expression classifier",
    "clip": "CLIP zero-shot expression prompts",
}


@dataclass(frozen=True)
class SceneFacts:
    """What the paragraph says about who is visible."""

    faces_max: int
    main_frames: int
    sampled_frames: int
    shot_changes_s: tuple[float, ...] = ()
    small_face_search: bool = False
    """The faces were only found in tiles of the frames: they are small in the picture."""


def _join(clauses: Sequence[str]) -> str:
    if len(clauses) <= 1:
        return "".join(clauses)
    return ", ".join(clauses[:-1]) + " and " + clauses[-1]


def _when(start: float, end: float) -> str:
    return f"at {start:.1f} s" if abs(end - start) < 0.05 else f"from {start:.1f} to {end:.1f} s"


def _units(segment: Segment) -> list[ActionUnit]:
    units = [u for u in segment.active_units() if u.code not in UNDESCRIBED_IN_SEGMENTS]
    return sorted(units, key=lambda u: TELLING_ORDER.index(u.code))


def _phrases(codes: set[str], appear: bool) -> list[str]:
    """Phrases for AUs that appear (or fade), pairs in ``COMBINED`` told as one action."""
    told: list[str] = []
    left = set(codes)
    for pair, (appears, fades) in COMBINED.items():
        if pair <= left:
            told.append(appears if appear else fades)
            left -= pair
    by_code = {u.code: u for u in ACTION_UNITS}
    for code in sorted(left, key=TELLING_ORDER.index):
        told.append(by_code[code].phrase if appear else FADES[code])
    return told


def _segment_clause(segment: Segment, previous: Segment | None) -> str:
    now = {u.code for u in _units(segment)}
    if previous is None:
        actions = _join(_phrases(now, appear=True)) or "the face is relaxed"
        return f"{actions} ({READINGS[segment.label]})"
    before = {u.code for u in _units(previous)}
    changes = _phrases(before - now, appear=False) + _phrases(now - before, appear=True)
    turn = f"the face shows {READINGS[segment.label]}"
    return _join([*changes, turn])


def people_sentence(scene: SceneFacts) -> str:
    if scene.faces_max > 1:
        text = (
            f"In the video, {scene.faces_max} people are visible; the description follows the "
            "most prominent face"
        )
    else:
        text = "In the video, one person is visible"
    if scene.main_frames < scene.sampled_frames:
        text += f" (in {scene.main_frames} of {scene.sampled_frames} sampled frames)"
    if scene.small_face_search:
        text += ", small in the picture"
    return text + "."


def expression_sentences(segments: Sequence[Segment]) -> list[str]:
    """'At first ...; later (from t s) the expression changes: ...' in time order."""
    if not segments:
        return []
    if len(segments) == 1:
        return [f"Throughout the clip, {_segment_clause(segments[0], None)}."]
    out = [f"At first, {_segment_clause(segments[0], None)}."]
    for previous, segment in itertools.pairwise(segments):
        clause = _segment_clause(segment, previous)
        out.append(f"Later (from {segment.start_s:.1f} s) the expression changes: {clause}.")
    return out


def peak_sentence(episodes: Sequence[AuEpisode]) -> str:
    told = [e for e in episodes if e.unit.code not in UNDESCRIBED_IN_SEGMENTS][:PEAKS_TOLD]
    parts = [
        f"{e.unit.name} ({e.unit.code}) peaks at {e.peak_s:.1f} s with intensity "
        f"{facs_letter(e.peak_degree)}"
        for e in told
    ]
    return f"The strongest actions: {_join(parts)}." if parts else ""


def movement_sentence(events: Sequence[MovementEvent]) -> str:
    """Movements in order of first occurrence; repeats of one kind told once with a count."""
    by_kind: dict[str, list[MovementEvent]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    parts = []
    for group in by_kind.values():
        first, last = group[0], group[-1]
        if len(group) == 1:
            parts.append(f"{first.phrase} ({_when(first.start_s, first.end_s)})")
        else:
            span = _when(first.start_s, last.end_s)
            parts.append(f"{first.phrase} {len(group)} times ({span})")
    return f"The person {_join(parts)}." if parts else ""


def classifier_sentence(backend: str, segments: Sequence[Segment]) -> str:
    """What the independent classifier read per expression segment (consecutive repeats merged)."""
    readings: list[str] = []
    for segment in segments:
        rows = [f.classifier for f in segment.frames if f.classifier is not None]
        if not rows:
            continue
        mean = np.mean(rows, axis=0)
        top = int(np.argmax(mean))
        reading = f"{EMOTIONS[top]} ({mean[top]:.2f})"
        if not readings or readings[-1].split(" ")[0] != EMOTIONS[top]:
            readings.append(reading)
    if not readings:
        return ""
    name = CLASSIFIER_NAMES.get(backend, f"the {backend} classifier")
    sequence = " then ".join(readings)
    return f"Independently, {name} reads the face as {sequence}."


def describe(
    scene: SceneFacts,
    segments: Sequence[Segment],
    episodes: Sequence[AuEpisode],
    events: Sequence[MovementEvent],
    backend: str,
) -> str:
    """The whole paragraph."""
    sentences = [people_sentence(scene), *expression_sentences(segments)]
    sentences += [peak_sentence(episodes), movement_sentence(events)]
    if scene.shot_changes_s:
        times = ", ".join(f"{t:.1f} s" for t in scene.shot_changes_s)
        sentences.append(f"The shot changes at {times}.")
    sentences.append(classifier_sentence(backend, segments))
    return " ".join(s for s in sentences if s)


def cues(
    scene: SceneFacts,
    segments: Sequence[Segment],
    episodes: Sequence[AuEpisode],
    events: Sequence[MovementEvent],
) -> tuple[str, ...]:
    """Short phrases: AU actions with codes, movements, changes, several people."""
    out: list[str] = []
    codes = {e.unit.code for e in episodes}
    if {"AU6", "AU12"} <= codes:
        out.append("smile with raised cheeks (AU6+AU12)")
    for e in episodes:
        if e.unit.code in UNDESCRIBED_IN_SEGMENTS or (
            e.unit.code in {"AU6", "AU12"} and {"AU6", "AU12"} <= codes
        ):
            continue
        words = CUE_WORDS[e.unit.code]
        out.append(f"{words} ({e.unit.code}) {_when(e.onset_s, e.offset_s)}")
    out += [f"{e.phrase} {_when(e.start_s, e.end_s)}" for e in events]
    if len(segments) > 1:
        path = " -> ".join(s.label for s in segments)
        out.append(f"expression changes: {path}")
    elif segments:
        out.append(f"{segments[0].label} expression throughout")
    if scene.faces_max > 1:
        out.append(f"{scene.faces_max} people visible")
    return tuple(out)
