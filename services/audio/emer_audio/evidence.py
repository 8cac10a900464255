"""The measured facts behind the audio clues, as a small list of ``Evidence`` records.

Times are seconds of the source media (the analysed window's start is added), values carry
units, and ``norm`` names what a value was compared with and where that comes from. Lists of
per-phrase or per-pause items are capped so a report stays a few kilobytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from emer_audio import norms
from emer_audio.backends.base import Recognition, SpeechSegment
from emer_audio.prosody import ProsodyFeatures
from emer_common.contracts import WORD_EVIDENCE, Evidence, Word

MAX_LISTED = 8  # phrase ends / pauses listed individually


def _r(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


def prosody_evidence(
    features: ProsodyFeatures,
    segments: Sequence[SpeechSegment],
    offset_s: float,
    tempo_ratio: float | None,
    arousal: float,
) -> list[Evidence]:
    items = [
        Evidence(
            name="speech",
            value=_r(features.timing.speech_s),
            unit="s",
            start_s=_r(offset_s + segments[0].start_s, 3),
            end_s=_r(offset_s + segments[-1].end_s, 3),
            norm=f"{len(segments)} speech segment(s) found by voice activity detection",
        )
    ]
    pitch = features.pitch
    if pitch is not None:
        reg = pitch.register
        items += [
            Evidence(
                name="f0_median",
                value=_r(pitch.median_hz, 1),
                unit="Hz",
                norm=f"typical {reg.typical_f0_hz:.0f} Hz for the {reg.name} "
                "(Traunmüller & Eriksson 1995)",
            ),
            Evidence(
                name="f0_deviation",
                value=_r(pitch.deviation_st),
                unit="semitones",
                norm=f"slightly/noticeably/much at {norms.PITCH_SLIGHT_ST}/"
                f"{norms.PITCH_NOTICEABLE_ST}/{norms.PITCH_STRONG_ST} st (emer)",
            ),
            Evidence(
                name="f0_base",
                value=_r(pitch.base_hz, 1),
                unit="Hz",
                norm="mean - 1.5 SD (Traunmüller & Eriksson 1995); picks the register",
            ),
            Evidence(
                name="f0_register",
                value=reg.name + (f" or {pitch.alternative.name}" if pitch.alternative else ""),
                norm="population the pitch is compared with",
            ),
            Evidence(
                name="f0_sd",
                value=_r(pitch.sd_st),
                unit="semitones",
                norm=f"flat < {norms.PITCH_SD_FLAT_ST}, lively > "
                f"{norms.PITCH_SD_LIVELY_ST} st (emer)",
            ),
            Evidence(
                name="f0_range_p5_p95",
                value=_r(pitch.span_st),
                unit="semitones",
                norm=f"{pitch.p5_hz:.0f}-{pitch.p95_hz:.0f} Hz",
            ),
            Evidence(name="voiced", value=_r(pitch.voiced_s), unit="s"),
        ]
        if pitch.trend_st is not None:
            items.append(
                Evidence(
                    name="f0_trend",
                    value=_r(pitch.trend_st),
                    unit="semitones",
                    norm="second half of the speech minus first half",
                )
            )
        items += [
            Evidence(
                name="phrase_end_slope",
                value=_r(end.slope_st_per_s, 1),
                unit="semitones/s",
                start_s=_r(offset_s + end.start_s, 3),
                end_s=_r(offset_s + end.end_s, 3),
                norm=f"rising >= {norms.PHRASE_END_RISE_ST_PER_S}, falling <= "
                f"{norms.PHRASE_END_FALL_ST_PER_S} st/s (emer)",
            )
            for end in pitch.phrase_ends[:MAX_LISTED]
        ]
    loud = features.loudness
    if loud.integrated_lufs is not None:
        items.append(
            Evidence(
                name="loudness",
                value=_r(loud.integrated_lufs, 1),
                unit="LUFS",
                confidence=norms.LEVEL_CONFIDENCE,
                norm=f"{norms.LOUDNESS_REFERENCE_LUFS:.0f} LUFS (EBU R 128); "
                "depends on recording gain",
            )
        )
    items += [
        Evidence(
            name="active_speech_level",
            value=_r(loud.active_level_dbfs, 1),
            unit="dBFS",
            confidence=norms.LEVEL_CONFIDENCE,
            norm=f"{norms.ACTIVE_SPEECH_REFERENCE_DBFS:.0f} dBov (ITU-T P.56 test level)",
        ),
        Evidence(name="level_range_p10_p95", value=_r(loud.level_range_db, 1), unit="dB"),
        Evidence(name="peak_level", value=_r(loud.peak_dbfs, 1), unit="dBFS"),
        Evidence(
            name="clipped_fraction",
            value=round(loud.clipped_fraction, 5),
            unit="ratio",
            norm=f"cue from {norms.CLIPPING_MIN_FRACTION} (emer)",
        ),
    ]
    if loud.trend_db is not None:
        items.append(
            Evidence(
                name="loudness_trend",
                value=_r(loud.trend_db, 1),
                unit="dB",
                norm="second half of the speech minus first half",
            )
        )
    items += _timing_evidence(features, offset_s, tempo_ratio)
    voice = features.voice
    if voice is not None:
        items += [
            Evidence(
                name="jitter_local",
                value=_r(voice.jitter_percent),
                unit="%",
                norm=f"{norms.JITTER_PATHOLOGY_PERCENT} % pathology threshold on "
                "sustained vowels (MDVP, Praat manual); running speech reads higher",
            ),
            Evidence(
                name="shimmer_local",
                value=_r(voice.shimmer_percent),
                unit="%",
                norm=f"{norms.SHIMMER_PATHOLOGY_PERCENT} % pathology threshold on "
                "sustained vowels (MDVP, Praat manual); running speech reads higher",
            ),
            Evidence(name="glottal_cycles", value=voice.cycles, unit="cycles"),
        ]
    items.append(
        Evidence(
            name="prosodic_arousal",
            value=_r(arousal),
            unit="score",
            norm="-1 (low) .. 1 (high) from pitch, tempo and loudness (emer)",
        )
    )
    return items


def _timing_evidence(
    features: ProsodyFeatures, offset_s: float, tempo_ratio: float | None
) -> list[Evidence]:
    timing = features.timing
    items: list[Evidence] = []
    if timing.words_per_min is not None:
        items.append(
            Evidence(
                name="speaking_rate",
                value=_r(timing.words_per_min, 1),
                unit="words/min",
                norm=f"about {norms.SPEAKING_RATE_TYPICAL_WPM:.0f} words/min in "
                "conversational American English (NCVS)",
            )
        )
    if timing.syllables_per_s is not None:
        items.append(
            Evidence(
                name="articulation_rate",
                value=_r(timing.syllables_per_s),
                unit="syllables/s",
                norm=f"typical {norms.ARTICULATION_RATE_TYPICAL_SYL_S} "
                "(3.5-5, Jacewicz et al. 2009); syllables counted from the "
                "transcript",
            )
        )
    if tempo_ratio is not None:
        items.append(
            Evidence(
                name="tempo_ratio",
                value=_r(tempo_ratio),
                unit="ratio",
                norm="1 = typical; fast from "
                f"{norms.RATE_FAST_RATIO}, slow below {1 / norms.RATE_FAST_RATIO:.2f}",
            )
        )
    items.append(
        Evidence(
            name="pause_ratio",
            value=_r(timing.pause_ratio),
            unit="ratio",
            norm=f"pauses >= {norms.PAUSE_MIN_S} s (Goldman-Eisler 1968) over the speech span",
        )
    )
    items += [
        Evidence(
            name="pause",
            value=_r(pause.duration_s),
            unit="s",
            start_s=_r(offset_s + pause.start_s, 3),
            end_s=_r(offset_s + pause.end_s, 3),
            norm=f"long from {norms.LONG_PAUSE_S} s (emer)",
        )
        for pause in timing.pauses[:MAX_LISTED]
    ]
    return items


def recognition_evidence(recognition: Recognition) -> list[Evidence]:
    if recognition.language is None:
        return []
    return [
        Evidence(
            name="asr_language",
            value=recognition.language,
            confidence=recognition.language_probability,
            norm="detected"
            if recognition.language_probability is not None
            else "fixed by the model or the settings",
        )
    ]


def model_evidence(probabilities: Mapping[str, float]) -> list[Evidence]:
    ranked = sorted(probabilities.items(), key=lambda item: -item[1])[:MAX_LISTED]
    return [
        Evidence(name=f"speech_emotion:{label}", value=round(p, 4), unit="probability")
        for label, p in ranked
    ]


def word_evidence(words: Sequence[Word]) -> list[Evidence]:
    """The transcript's words with their source times, so results keep what was said when
    (exports write them as subtitles; the report draws them on the clip's timeline)."""
    return [
        Evidence(
            name=WORD_EVIDENCE,
            text=w.word.strip(),
            start_s=w.start_s,
            end_s=w.end_s,
            confidence=None if w.probability is None else round(w.probability, 3),
        )
        for w in words
        if w.word.strip()
    ]
