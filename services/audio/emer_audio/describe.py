"""Turn prosodic measurements into graded words, cue phrases and an EMER-style description.

Each dimension is judged on a signed scale (-3 .. 3) against the norms in ``norms``; the level
picks the wording ("slightly", "noticeably", "much"), so the same deviation always reads the
same way. Dimensions without a reliable measurement are left out rather than guessed: jitter
and shimmer are reported as evidence only, because on running speech a clean natural voice
(2.7 % local jitter on Front_Center.wav) overlaps a synthetic rough one (2-3 % at 3-4 % true
cycle jitter), and formant synthesis alone gives 12-16 % shimmer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from emer_audio import norms
from emer_audio.prosody import ProsodyFeatures

Level = int  # -3 .. 3; 0 is typical
DEGREE = {1: "slightly", 2: "noticeably", 3: "much"}
PITCH_WORDS = {
    3: "very high-pitched",
    2: "high-pitched",
    1: "slightly high",
    0: "",
    -1: "slightly low",
    -2: "low and deep",
    -3: "very low and heavy",
}
LOUDNESS_WORDS = {
    3: "very loud",
    2: "loud",
    1: "rather loud",
    0: "",
    -1: "rather quiet",
    -2: "soft and quiet",
    -3: "very soft, almost hushed",
}
RATE_WORDS = {
    3: "very fast",
    2: "fast",
    1: "somewhat fast",
    0: "at an ordinary pace",
    -1: "somewhat slowly",
    -2: "slowly",
    -3: "very slowly, dragging the words",
}
RATE_CUES = {
    3: "very fast speech",
    2: "fast speech",
    1: "somewhat fast speech",
    -1: "somewhat slow speech",
    -2: "slow speech",
    -3: "very slow speech",
}


@dataclass(frozen=True)
class Judgement:
    """One judged dimension: its level, words for the description and a short cue."""

    dimension: str  # "pitch", "intonation", "rate", "loudness", ...
    level: Level
    words: str
    cue: str | None


@dataclass(frozen=True)
class ProsodyReading:
    judgements: tuple[Judgement, ...]
    description: str

    def level(self, dimension: str) -> Level:
        return next((j.level for j in self.judgements if j.dimension == dimension), 0)

    def has(self, dimension: str) -> bool:
        return any(j.dimension == dimension for j in self.judgements)

    @property
    def cues(self) -> tuple[str, ...]:
        return tuple(j.cue for j in self.judgements if j.cue)


def graded(value: float, steps: tuple[float, float, float]) -> Level:
    """Level 1..3 for |value| at or above each step, signed like ``value``."""
    magnitude = sum(abs(value) >= step for step in steps)
    return int(math.copysign(magnitude, value))


def _pitch_level(deviation_st: float) -> Level:
    return graded(
        deviation_st, (norms.PITCH_SLIGHT_ST, norms.PITCH_NOTICEABLE_ST, norms.PITCH_STRONG_ST)
    )


def _relation(level: Level) -> str:
    if level == 0:
        return "in the usual range"
    return f"{DEGREE[abs(level)]} {'higher' if level > 0 else 'lower'} than usual"


def judge_pitch(features: ProsodyFeatures) -> list[Judgement]:
    pitch = features.pitch
    if pitch is None:
        return []
    level = _pitch_level(pitch.deviation_st)
    words = f"its pitch is {_relation(level)} for a voice in the {pitch.register.name}"
    if pitch.alternative is not None and pitch.alternative_deviation_st is not None:
        other = _pitch_level(pitch.alternative_deviation_st)
        if other != level:
            # Both registers are plausible and disagree: give both readings and claim only
            # what they share (the level nearer zero, or none when they point apart).
            words = (
                f"its pitch, {pitch.median_hz:.0f} Hz, is {_relation(level)} for a voice in "
                f"the {pitch.register.name} but {_relation(other)} for one in the "
                f"{pitch.alternative.name}"
            )
            level = min(level, other, key=abs) if level * other >= 0 else 0
    judgements = [
        Judgement("pitch", level, words, f"{PITCH_WORDS[level]} voice" if level else None)
    ]
    if pitch.sd_st < norms.PITCH_SD_FLAT_ST:
        judgements.append(
            Judgement("intonation", -1, "flat, monotonous intonation", "flat intonation")
        )
    elif pitch.sd_st > norms.PITCH_SD_LIVELY_ST:
        judgements.append(
            Judgement("intonation", 1, "lively, strongly varying intonation", "lively intonation")
        )
    ends = pitch.phrase_ends
    rising = [e for e in ends if e.slope_st_per_s >= norms.PHRASE_END_RISE_ST_PER_S]
    if ends and 2 * len(rising) > len(ends):
        judgements.append(
            Judgement(
                "phrase_ends",
                1,
                "phrases end with a rising, question-like pitch",
                "rising phrase endings",
            )
        )
    if pitch.trend_st is not None and abs(pitch.trend_st) >= norms.TREND_PITCH_ST:
        direction = "rises" if pitch.trend_st > 0 else "drops"
        judgements.append(
            Judgement(
                "pitch_trend",
                1 if pitch.trend_st > 0 else -1,
                f"the pitch {direction} as the speech goes on",
                None,
            )
        )
    return judgements


def judge_loudness(features: ProsodyFeatures) -> list[Judgement]:
    loud = features.loudness
    judgements: list[Judgement] = []
    if loud.integrated_lufs is not None:
        offset = loud.integrated_lufs - norms.LOUDNESS_REFERENCE_LUFS
        if offset >= 0:
            level = graded(offset, (norms.RATHER_LOUD_LU, norms.LOUD_LU, norms.VERY_LOUD_LU))
        else:
            level = graded(offset, (-norms.RATHER_SOFT_LU, -norms.SOFT_LU, -norms.VERY_SOFT_LU))
        words = LOUDNESS_WORDS[level] or "of moderate loudness"
        judgements.append(
            Judgement("loudness", level, words, f"{LOUDNESS_WORDS[level]} voice" if level else None)
        )
    clipped_samples = loud.clipped_fraction * features.timing.speech_s * 16_000
    if (
        loud.clipped_fraction >= norms.CLIPPING_MIN_FRACTION
        and clipped_samples >= norms.CLIPPING_MIN_SAMPLES
    ):
        judgements.append(
            Judgement(
                "clipping", 1, "so loud that the recording clips", "clipped, overdriven peaks"
            )
        )
    if loud.trend_db is not None and abs(loud.trend_db) >= norms.TREND_LEVEL_DB:
        direction = "louder" if loud.trend_db > 0 else "quieter"
        judgements.append(
            Judgement(
                "loudness_trend",
                1 if loud.trend_db > 0 else -1,
                f"the voice grows {direction} towards the end",
                None,
            )
        )
    return judgements


def rate_ratio(features: ProsodyFeatures, language: str | None) -> float | None:
    """Tempo relative to typical: geometric mean of the syllable-rate and words/min ratios.

    Words per minute is compared with its English norm only; other languages use the
    articulation rate alone.
    """
    timing = features.timing
    ratios: list[float] = []
    if timing.syllables_per_s is not None:
        ratios.append(timing.syllables_per_s / norms.ARTICULATION_RATE_TYPICAL_SYL_S)
    if timing.words_per_min is not None and (language or "").startswith("en"):
        ratios.append(timing.words_per_min / norms.SPEAKING_RATE_TYPICAL_WPM)
    if not ratios:
        return None
    return math.exp(sum(math.log(r) for r in ratios) / len(ratios))


def judge_timing(features: ProsodyFeatures, language: str | None) -> list[Judgement]:
    timing = features.timing
    judgements: list[Judgement] = []
    ratio = rate_ratio(features, language)
    if ratio is not None:
        steps = (norms.RATE_RATHER_FAST_RATIO, norms.RATE_FAST_RATIO, norms.RATE_VERY_FAST_RATIO)
        level = graded(math.log(ratio), tuple(math.log(s) for s in steps))  # type: ignore[arg-type]
        judgements.append(Judgement("rate", level, RATE_WORDS[level], RATE_CUES.get(level)))
    long_pauses = [p for p in timing.pauses if p.duration_s >= norms.LONG_PAUSE_S]
    if long_pauses or (timing.pauses and timing.pause_ratio >= norms.PAUSE_RATIO_HIGH):
        judgements.append(
            Judgement(
                "pauses",
                -1,
                f"with long pauses (longest {timing.longest_pause_s:.1f} s)",
                "long pauses, hesitant delivery",
            )
        )
    return judgements


def read_prosody(features: ProsodyFeatures, language: str | None) -> ProsodyReading:
    """Judge every dimension and write the description."""
    judgements = judge_pitch(features) + judge_loudness(features) + judge_timing(features, language)
    return ProsodyReading(tuple(judgements), describe(judgements))


def describe(judgements: list[Judgement]) -> str:
    """EMER-style sentences: "In the audio, the speaker's voice is low and deep ..."."""
    by = {j.dimension: j for j in judgements}
    adjectives = [
        w
        for w in (
            PITCH_WORDS[by["pitch"].level] if "pitch" in by else "",
            LOUDNESS_WORDS[by["loudness"].level] if "loudness" in by else "",
        )
        if w
    ]
    if "pitch" in by:
        first = "In the audio, the speaker's voice is " + (
            " and ".join(adjectives) + f" ({by['pitch'].words})"
            if adjectives
            else f"unremarkable in pitch and volume ({by['pitch'].words})"
        )
    else:
        first = "In the audio, the speaker's pitch could not be measured reliably"
        if adjectives:
            first += f"; the voice is {' and '.join(adjectives)}"
    if "intonation" in by:
        first += f", with {by['intonation'].words}"
    sentences = [first]
    if "clipping" in by:
        sentences.append(f"The voice is {by['clipping'].words}")
    if "rate" in by:
        tempo = f"The speaker talks {by['rate'].words}"
        if "pauses" in by:
            tempo += f", {by['pauses'].words}"
        sentences.append(tempo)
    elif "pauses" in by:
        sentences.append(f"The speech comes {by['pauses'].words}")
    for dimension in ("phrase_ends", "pitch_trend", "loudness_trend"):
        if dimension in by:
            words = by[dimension].words
            sentences.append(words[0].upper() + words[1:])
    return ". ".join(sentences) + "."
