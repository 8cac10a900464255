"""Reference values that prosodic measurements are compared with, and where each comes from.

Two kinds of constant live here and are named apart:

* published typical values (cited), such as the mean speaking F0 of men and women;
* emer's own decision thresholds (marked "emer choice"), such as how many semitones above the
  typical value a voice must be before it is called "noticeably higher". These are
  deliberately wide because prosody alone is weak evidence; they are not published norms.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Fundamental frequency -------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceRegister:
    """A population whose speaking F0 a voice is compared with."""

    name: str  # "adult male range", ...
    typical_f0_hz: float  # mean speaking F0 of the population
    base_f0_max_hz: float  # a speaker whose F0 base value lies below this belongs here


# Traunmüller & Eriksson (1995), "The frequency range of the voice fundamental in the speech of
# male and female adults": typical speaking F0 is 120 Hz for men and 210 Hz for women, and a
# speaker's F0 excursions start from a "base value" about 1.5 SD below the mean. Baken (2000),
# Clinical Measurement of Speech and Voice, citing Fitch & Holbrook (1970): men 85-155 Hz,
# women 165-255 Hz. Children below ~10 years speak at roughly 250-300 Hz.
F0_TYPICAL_MALE_HZ = 120.0
F0_TYPICAL_FEMALE_HZ = 210.0
F0_TYPICAL_CHILD_HZ = 280.0
F0_BASE_SD_BELOW_MEAN = 1.5  # SD; where the base value lies below the mean (T&E 1995)

NOMINAL_F0_SD_ST = 2.5  # st; emer choice: a middle value of conversational F0 SD


def _typical_base(typical_f0_hz: float) -> float:
    return typical_f0_hz * 2 ** (-F0_BASE_SD_BELOW_MEAN * NOMINAL_F0_SD_ST / 12)


def _boundary(lower_f0_hz: float, upper_f0_hz: float) -> float:
    return float((_typical_base(lower_f0_hz) * _typical_base(upper_f0_hz)) ** 0.5)


# emer choice: register boundaries on the speaker's base value, half-way (geometric mean)
# between the typical base values of neighbouring populations (~128 Hz and ~196 Hz). Speakers
# widen their F0 excursions upwards from the base value (T&E 1995), so the base moves less than
# the mean when a speaker becomes lively, which is why it picks the register.
REGISTERS: tuple[VoiceRegister, ...] = (
    VoiceRegister(
        "adult male range",
        F0_TYPICAL_MALE_HZ,
        base_f0_max_hz=_boundary(F0_TYPICAL_MALE_HZ, F0_TYPICAL_FEMALE_HZ),
    ),
    VoiceRegister(
        "adult female range",
        F0_TYPICAL_FEMALE_HZ,
        base_f0_max_hz=_boundary(F0_TYPICAL_FEMALE_HZ, F0_TYPICAL_CHILD_HZ),
    ),
    VoiceRegister("child range", F0_TYPICAL_CHILD_HZ, base_f0_max_hz=float("inf")),
)


def register_for_base(base_f0_hz: float) -> VoiceRegister:
    """The population norm a speaker with this F0 base value is compared with."""
    return next(r for r in REGISTERS if base_f0_hz < r.base_f0_max_hz)


# F0 alone cannot tell a raised adult-male voice from a relaxed adult-female one: in the
# LIFE-Adult population study ("The Speaking Voice in the General Population", J Voice 2017,
# PMID 27370073; 1154 men, 1318 women aged 40-79) men averaged 112 Hz in conversational, 130 Hz
# in classroom and 176 Hz in shouting voice, women 169, 198 and 246 Hz. emer choice: a male
# voice stays plausible up to the values below, a female one from a base value of 125 Hz up
# (the bottom of the 165-255 Hz range, lowered by 1.5 nominal SDs, minus a margin); where both
# are plausible the description gives both readings.
MALE_PLAUSIBLE_BASE_MAX_HZ = 150.0
MALE_PLAUSIBLE_MEDIAN_MAX_HZ = 180.0
FEMALE_PLAUSIBLE_BASE_MIN_HZ = 125.0


def alternative_register(base_f0_hz: float, median_f0_hz: float) -> VoiceRegister | None:
    """The other adult register that is also plausible for this voice, if any."""
    male, female = REGISTERS[0], REGISTERS[1]
    male_plausible = (
        base_f0_hz <= MALE_PLAUSIBLE_BASE_MAX_HZ and median_f0_hz <= MALE_PLAUSIBLE_MEDIAN_MAX_HZ
    )
    female_plausible = FEMALE_PLAUSIBLE_BASE_MIN_HZ <= base_f0_hz < female.base_f0_max_hz
    if not (male_plausible and female_plausible):
        return None
    return female if register_for_base(base_f0_hz) is male else male


# emer choice: semitone deviation of the speaker's median F0 from the register's typical value.
PITCH_SLIGHT_ST = 2.0  # "slightly higher/lower"
PITCH_NOTICEABLE_ST = 3.5  # "noticeably higher/lower"
PITCH_STRONG_ST = 6.0  # "much higher/lower" (half an octave)

# Traunmüller & Eriksson (1995): F0 variation in semitones is about the same for men and women
# and grows with the liveliness of the discourse. emer choice: the SD bands below.
PITCH_SD_FLAT_ST = 1.5  # st; below: flat, monotonous intonation
PITCH_SD_LIVELY_ST = 3.5  # st; above: lively, strongly varying intonation

# emer choice: phrase-final F0 slope (semitones per second over the last voiced stretch).
PHRASE_END_WINDOW_S = 0.35  # s; the final stretch of a phrase whose slope is measured
PHRASE_END_RISE_ST_PER_S = 8.0  # st/s; above: rising end (question-like, unfinished)
PHRASE_END_FALL_ST_PER_S = -8.0  # st/s; below: falling end (the usual statement ending)

# emer choice: change of median F0 / level between the first and second half of the speech.
TREND_PITCH_ST = 2.0  # st
TREND_LEVEL_DB = 5.0  # dB

# --- Loudness --------------------------------------------------------------------------------

# EBU R 128 (2020) programme loudness target: -23 LUFS. ITU-T P.56 active speech level of test
# speech: -26 dBov. The level of a recording depends on its gain, so level words carry less
# weight than pitch or rate (see LEVEL_CONFIDENCE).
LOUDNESS_REFERENCE_LUFS = -23.0
ACTIVE_SPEECH_REFERENCE_DBFS = -26.0
LEVEL_CONFIDENCE = 0.5  # emer choice: recording gain is unknown

# emer choice: LU around the reference. Film dialogue is often mixed near -27 LUFS (Netflix's
# dialogue-gated delivery target), so "quiet" words start only below that.
RATHER_LOUD_LU = 4.0  # >= -19 LUFS
LOUD_LU = 7.0  # >= -16 LUFS
VERY_LOUD_LU = 11.0  # >= -12 LUFS
RATHER_SOFT_LU = -3.0  # <= -26 LUFS
SOFT_LU = -7.0  # <= -30 LUFS
VERY_SOFT_LU = -12.0  # <= -35 LUFS

CLIPPING_LEVEL = 0.98  # of full scale; samples at or above are taken as clipped
# emer choice: 0.01 % of the speech samples (1.6 per second at 16 kHz) at full scale is worth a
# cue; resampling to 16 kHz smears the flat tops of clipped waveforms, so few remain.
CLIPPING_MIN_FRACTION = 1e-4
CLIPPING_MIN_SAMPLES = 5  # and at least this many samples

# --- Timing ----------------------------------------------------------------------------------

# Goldman-Eisler (1968) counted silences of 250 ms or more as pauses; most pause studies since
# use that threshold.
PAUSE_MIN_S = 0.25
# emer choice: a pause this long is "long"; a pause ratio above PAUSE_RATIO_HIGH is "halting".
LONG_PAUSE_S = 0.7
PAUSE_RATIO_HIGH = 0.30

# About 150 words per minute is the figure usually quoted for conversational American English
# (National Center for Voice and Speech).
SPEAKING_RATE_TYPICAL_WPM = 150.0
# Adult American English articulation rates are commonly given as roughly 3.5-5 syllables per
# second of phonation (Jacewicz, Fox, O'Neill & Salmons 2009, "Articulation rate across dialect,
# age, and gender", Language Variation and Change 21); emer takes the geometric middle.
ARTICULATION_RATE_TYPICAL_SYL_S = 4.2
# emer choice: tempo ratio (geometric mean of the word and syllable ratios) to the typical one.
RATE_RATHER_FAST_RATIO = 1.1
RATE_FAST_RATIO = 1.2  # e.g. >= 180 words/min
RATE_VERY_FAST_RATIO = 1.45  # e.g. >= ~218 words/min
MIN_WORDS_FOR_RATE = 4  # emer choice: fewer words give no reliable rate

# --- Voice quality ---------------------------------------------------------------------------

# Praat's manual (Boersma & Weenink), quoting MDVP: thresholds for pathology on sustained
# vowels are 1.04 % local jitter and 3.81 % local shimmer. Running speech inflates both, so
# emer reports them as evidence and derives no words from them (see describe.py).
JITTER_PATHOLOGY_PERCENT = 1.04
SHIMMER_PATHOLOGY_PERCENT = 3.81
MIN_CYCLES_FOR_VOICE_QUALITY = 60  # emer choice: fewer glottal cycles are not reliable

# --- Speech presence -------------------------------------------------------------------------

# emer choice: a window whose loudest sample stays below -60 dBFS is digital silence (one LSB of
# 16-bit audio is -90 dBFS; -60 dBFS is inaudible at any normal playback gain).
SILENCE_PEAK_DBFS = -60.0
MIN_VOICED_S = 0.3  # emer choice: less voiced speech than this gives no prosody words
