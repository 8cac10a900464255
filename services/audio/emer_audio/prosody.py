"""Prosodic measurements of one window of speech: pitch, loudness, timing, voice quality.

Everything here is a measurement with a unit; turning measurements into words is the job of
``describe``. Only frames inside the detected speech segments count, so music or noise
before and after the speech does not shift the speaker's values.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
import torchaudio.functional as taf

from emer_audio import norms
from emer_audio.backends.base import FloatArray, SpeechSegment
from emer_audio.pitch import PitchTrack, track_pitch
from emer_audio.voice_quality import VoicePerturbation, measure_perturbation
from emer_common.contracts import Word

LEVEL_FRAME_S = 0.025  # s; short-term level window
LEVEL_HOP_S = 0.010  # s
LEVEL_FLOOR_DB = -100.0  # dBFS; log of digital zero
SILENT_FRAME_BELOW_PEAK_DB = 60.0  # dB; frames this far under the loudest are gaps, not speech
MIN_LOUDNESS_S = 0.4  # s; BS.1770 gating blocks are 400 ms long
MIN_PHRASE_END_FRAMES = 8  # voiced 10 ms frames needed to fit a phrase-final slope
MIN_TREND_SPEECH_S = 2.0  # s; shorter speech has no meaningful first and second half
VOWEL_GROUPS = re.compile(r"[aeiouyàâäéèêëïîôöùûüœæ]+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class PhraseEnd:
    start_s: float
    end_s: float
    slope_st_per_s: float


@dataclass(frozen=True)
class PitchProfile:
    median_hz: float
    p5_hz: float
    p95_hz: float
    sd_st: float  # standard deviation of F0 in semitones
    base_hz: float  # the speaker's F0 base value, 1.5 SD below the mean (Traunmüller 1995)
    register: norms.VoiceRegister
    deviation_st: float  # median F0 relative to the register's typical F0
    # another register that is as plausible (a raised male or a low female voice), if any
    alternative: norms.VoiceRegister | None
    alternative_deviation_st: float | None
    voiced_s: float
    trend_st: float | None  # second half of the speech minus first half
    phrase_ends: tuple[PhraseEnd, ...]

    @property
    def span_st(self) -> float:
        return float(12 * np.log2(self.p95_hz / self.p5_hz))


@dataclass(frozen=True)
class LoudnessProfile:
    integrated_lufs: float | None  # ITU-R BS.1770 integrated loudness of the window
    active_level_dbfs: float  # mean power of the speech frames
    level_range_db: float  # 95th - 10th percentile of the 10 ms speech levels
    peak_dbfs: float
    clipped_fraction: float  # of speech samples at or above norms.CLIPPING_LEVEL
    trend_db: float | None


@dataclass(frozen=True)
class TimingProfile:
    speech_s: float  # total duration of the speech segments
    span_s: float  # first speech onset to last speech offset
    words: int
    syllables: int
    words_per_min: float | None
    syllables_per_s: float | None  # articulation rate: syllables per second of speech
    pauses: tuple[SpeechSegment, ...]  # silent gaps >= norms.PAUSE_MIN_S inside the span

    @property
    def pause_s(self) -> float:
        return sum(p.duration_s for p in self.pauses)

    @property
    def pause_ratio(self) -> float:
        return self.pause_s / self.span_s if self.span_s > 0 else 0.0

    @property
    def longest_pause_s(self) -> float:
        return max((p.duration_s for p in self.pauses), default=0.0)


@dataclass(frozen=True)
class ProsodyFeatures:
    pitch: PitchProfile | None  # None when too little voiced speech was found
    loudness: LoudnessProfile
    timing: TimingProfile
    voice: VoicePerturbation | None


def measure_prosody(
    samples: FloatArray,
    sample_rate: int,
    segments: Sequence[SpeechSegment],
    words: Sequence[Word],
) -> ProsodyFeatures:
    """Measure the prosody of the speech ``segments`` of ``samples`` (times in window seconds)."""
    speech_mask = _segment_mask(len(samples), sample_rate, segments)
    track = track_pitch(samples * speech_mask, sample_rate)
    voice = measure_perturbation(samples, sample_rate, track)
    if voice is not None and voice.cycles < norms.MIN_CYCLES_FOR_VOICE_QUALITY:
        voice = None
    return ProsodyFeatures(
        pitch=_pitch_profile(track, segments),
        loudness=_loudness_profile(samples, sample_rate, speech_mask, segments),
        timing=_timing_profile(segments, words),
        voice=voice,
    )


def semitones(f_hz: npt.ArrayLike, ref_hz: float) -> npt.NDArray[np.float64]:
    return 12.0 * np.log2(np.asarray(f_hz, dtype=np.float64) / ref_hz)


def _segment_mask(
    n: int, sample_rate: int, segments: Sequence[SpeechSegment]
) -> npt.NDArray[np.float32]:
    mask = np.zeros(n, dtype=np.float32)
    for seg in segments:
        mask[int(seg.start_s * sample_rate) : int(np.ceil(seg.end_s * sample_rate))] = 1.0
    return mask


def _pitch_profile(track: PitchTrack, segments: Sequence[SpeechSegment]) -> PitchProfile | None:
    f0 = track.f0_hz[track.voiced]
    times = track.times_s[track.voiced]
    if len(f0) * track.hop_s < norms.MIN_VOICED_S:
        return None
    median = float(np.median(f0))
    st = semitones(f0, median)
    sd = float(np.std(st))
    mean_hz = float(median * 2 ** (float(np.mean(st)) / 12))
    base = mean_hz * 2 ** (-norms.F0_BASE_SD_BELOW_MEAN * sd / 12)
    register = norms.register_for_base(base)
    alternative = norms.alternative_register(base, median)
    return PitchProfile(
        median_hz=median,
        p5_hz=float(np.percentile(f0, 5)),
        p95_hz=float(np.percentile(f0, 95)),
        sd_st=sd,
        base_hz=base,
        register=register,
        deviation_st=float(semitones(median, register.typical_f0_hz)),
        alternative=alternative,
        alternative_deviation_st=(
            float(semitones(median, alternative.typical_f0_hz)) if alternative else None
        ),
        voiced_s=len(f0) * track.hop_s,
        trend_st=_half_difference(times, st, segments),
        phrase_ends=_phrase_ends(track, segments),
    )


def _half_difference(
    times: npt.NDArray[np.float64],
    values: npt.NDArray[np.float64],
    segments: Sequence[SpeechSegment],
) -> float | None:
    """Median of ``values`` in the second half of the speech time minus the first half."""
    total = sum(s.duration_s for s in segments)
    if total < MIN_TREND_SPEECH_S or len(values) < 4:
        return None
    # the instant at which half of the speech time has passed
    elapsed = 0.0
    middle = segments[-1].end_s
    for seg in segments:
        if elapsed + seg.duration_s >= total / 2:
            middle = seg.start_s + (total / 2 - elapsed)
            break
        elapsed += seg.duration_s
    first, second = values[times < middle], values[times >= middle]
    if len(first) < 2 or len(second) < 2:
        return None
    return float(np.median(second) - np.median(first))


def _phrase_ends(track: PitchTrack, segments: Sequence[SpeechSegment]) -> tuple[PhraseEnd, ...]:
    ends: list[PhraseEnd] = []
    for seg in segments:
        inside = track.voiced & (track.times_s >= seg.start_s) & (track.times_s <= seg.end_s)
        if not inside.any():
            continue
        last_t = float(track.times_s[inside][-1])
        tail = inside & (track.times_s >= last_t - norms.PHRASE_END_WINDOW_S)
        if tail.sum() < MIN_PHRASE_END_FRAMES:
            continue
        t = track.times_s[tail]
        st = semitones(track.f0_hz[tail], float(np.median(track.f0_hz[tail])))
        slope = float(np.polyfit(t, st, 1)[0])
        ends.append(PhraseEnd(float(t[0]), float(t[-1]), slope))
    return tuple(ends)


def _loudness_profile(
    samples: FloatArray,
    sample_rate: int,
    speech_mask: npt.NDArray[np.float32],
    segments: Sequence[SpeechSegment],
) -> LoudnessProfile:
    hop = round(LEVEL_HOP_S * sample_rate)
    frame = round(LEVEL_FRAME_S * sample_rate)
    power = np.zeros(0)
    times = np.zeros(0)
    if len(samples) >= frame:
        # frame powers from a running sum of squares: O(n) memory for any window length
        energy = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
        starts = np.arange(0, len(samples) - frame + 1, hop)
        power = (energy[starts + frame] - energy[starts]) / frame
        times = (starts + frame / 2) / sample_rate
        in_speech = speech_mask[(times * sample_rate).astype(int)] > 0
        power, times = power[in_speech], times[in_speech]
    levels = 10 * np.log10(np.maximum(power, 10 ** (LEVEL_FLOOR_DB / 10)))
    if len(levels):
        sounding = levels > levels.max() - SILENT_FRAME_BELOW_PEAK_DB
        power, times, levels = power[sounding], times[sounding], levels[sounding]
    speech = samples[speech_mask > 0]
    peak = float(np.max(np.abs(speech))) if len(speech) else 0.0
    integrated = None
    if len(samples) >= MIN_LOUDNESS_S * sample_rate:
        value = float(taf.loudness(torch.from_numpy(samples).unsqueeze(0), sample_rate))
        integrated = value if np.isfinite(value) else None
    return LoudnessProfile(
        integrated_lufs=integrated,
        active_level_dbfs=float(10 * np.log10(max(float(np.mean(power)), 1e-10)))
        if len(power)
        else LEVEL_FLOOR_DB,
        level_range_db=float(np.percentile(levels, 95) - np.percentile(levels, 10))
        if len(levels)
        else 0.0,
        peak_dbfs=float(20 * np.log10(max(peak, 1e-5))),
        clipped_fraction=float(np.mean(np.abs(speech) >= norms.CLIPPING_LEVEL))
        if len(speech)
        else 0.0,
        trend_db=_half_difference(times, levels, segments) if len(levels) else None,
    )


def _timing_profile(segments: Sequence[SpeechSegment], words: Sequence[Word]) -> TimingProfile:
    if not segments:
        return TimingProfile(0.0, 0.0, 0, 0, None, None, ())
    speech_s = sum(s.duration_s for s in segments)
    span_s = segments[-1].end_s - segments[0].start_s
    pauses = tuple(
        SpeechSegment(a.end_s, b.start_s)
        for a, b in itertools.pairwise(segments)
        if b.start_s - a.end_s >= norms.PAUSE_MIN_S
    )
    syllables = sum(count_syllables(w.word) for w in words)
    enough = len(words) >= norms.MIN_WORDS_FOR_RATE and span_s > 0
    return TimingProfile(
        speech_s=speech_s,
        span_s=span_s,
        words=len(words),
        syllables=syllables,
        words_per_min=60.0 * len(words) / span_s if enough else None,
        syllables_per_s=syllables / speech_s if enough and speech_s > 0 else None,
        pauses=pauses,
    )


def count_syllables(word: str) -> int:
    """Syllables of one written word: vowel groups (Latin scripts) or characters (CJK)."""
    cleaned = word.lower().strip(".,!?;:\"'()[]")
    cjk = len(CJK.findall(cleaned))
    if cjk:
        return cjk
    groups = len(VOWEL_GROUPS.findall(cleaned))
    # a silent final e ("make", "there") is not a syllable; "-le" ("table") is
    if groups > 1 and cleaned.endswith("e") and not cleaned.endswith(("le", "ee")):
        groups -= 1
    return max(groups, 1) if any(c.isalnum() for c in cleaned) else 0
