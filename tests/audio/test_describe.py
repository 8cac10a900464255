"""Graded words, cue phrases and emotion hints from prosodic measurements."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from emer_audio import norms
from emer_audio.backends.base import SpeechSegment
from emer_audio.describe import graded, read_prosody
from emer_audio.hints import (
    MAX_PROSODY_HINT,
    arousal,
    arousal_sentence,
    merge_hints,
    model_hints,
    prosody_hints,
)
from emer_audio.prosody import (
    LoudnessProfile,
    PitchProfile,
    ProsodyFeatures,
    TimingProfile,
    count_syllables,
    measure_prosody,
)
from emer_common.vocabulary import EmotionVocabulary
from tests.audio.test_pitch_and_voice import SR, pulse_train

pytestmark = pytest.mark.unit
MALE = norms.REGISTERS[0]


def features(
    deviation_st: float = 0.0,
    sd_st: float = 2.5,
    lufs: float = -23.0,
    wpm: float = 150.0,
    syllables_per_s: float = norms.ARTICULATION_RATE_TYPICAL_SYL_S,
    pauses: tuple[SpeechSegment, ...] = (),
) -> ProsodyFeatures:
    median = MALE.typical_f0_hz * 2 ** (deviation_st / 12)
    return ProsodyFeatures(
        pitch=PitchProfile(
            median_hz=median,
            p5_hz=median * 0.8,
            p95_hz=median * 1.25,
            sd_st=sd_st,
            base_hz=100.0,
            register=MALE,
            deviation_st=deviation_st,
            voiced_s=2.0,
            trend_st=None,
            phrase_ends=(),
            alternative=None,
            alternative_deviation_st=None,
        ),
        loudness=LoudnessProfile(
            integrated_lufs=lufs,
            active_level_dbfs=lufs,
            level_range_db=20.0,
            peak_dbfs=-6.0,
            clipped_fraction=0.0,
            trend_db=None,
        ),
        timing=TimingProfile(
            speech_s=4.0,
            span_s=5.0,
            words=12,
            syllables=16,
            words_per_min=wpm,
            syllables_per_s=syllables_per_s,
            pauses=pauses,
        ),
        voice=None,
    )


def test_graded_levels_are_symmetric() -> None:
    steps = (1.0, 2.0, 3.0)
    assert [graded(v, steps) for v in (-3.5, -2.0, -0.5, 0.0, 0.9, 1.0, 2.5, 9.0)] == [
        -3,
        -2,
        0,
        0,
        0,
        1,
        2,
        3,
    ]


def test_typical_voice_gets_no_deviation_words() -> None:
    reading = read_prosody(features(), "en")
    assert reading.cues == ()
    assert "usual range" in reading.description
    assert "ordinary pace" in reading.description
    assert prosody_hints(reading).get("neutral", 0) > 0


@pytest.mark.parametrize(
    ("deviation", "phrase"),
    [
        (2.5, "slightly higher than usual"),
        (4.0, "noticeably higher than usual"),
        (7.0, "much higher than usual"),
        (-4.0, "noticeably lower than usual"),
        (-7.0, "much lower than usual"),
    ],
)
def test_pitch_deviation_is_worded_by_degree(deviation: float, phrase: str) -> None:
    assert phrase in read_prosody(features(deviation_st=deviation), "en").description


def test_ambiguous_register_gives_both_readings_and_claims_nothing() -> None:
    """152 Hz with a 139 Hz base: a raised male voice or a low female one (espeak -p 90)."""
    base = features(deviation_st=4.05)
    assert base.pitch is not None
    ambiguous = dataclasses.replace(
        base,
        pitch=dataclasses.replace(
            base.pitch,
            register=norms.REGISTERS[1],
            deviation_st=-5.6,
            alternative=MALE,
            alternative_deviation_st=4.05,
        ),
    )
    reading = read_prosody(ambiguous, "en")
    assert reading.level("pitch") == 0
    assert "lower than usual for a voice in the adult female range but noticeably higher" in (
        reading.description
    )
    assert "low and deep" not in reading.description
    assert not any("deep" in c for c in reading.cues)
    # same direction, different degree: the smaller claim is kept
    agreeing = dataclasses.replace(
        ambiguous,
        pitch=dataclasses.replace(ambiguous.pitch, deviation_st=2.5, alternative_deviation_st=7.0),
    )
    assert read_prosody(agreeing, "en").level("pitch") == 1


def test_registers_are_chosen_from_the_base_value() -> None:
    assert norms.register_for_base(100).name == "adult male range"
    assert norms.register_for_base(160).name == "adult female range"
    assert norms.register_for_base(230).name == "child range"
    assert norms.alternative_register(100, 120) is None  # clearly male
    assert norms.alternative_register(150, 206) is None  # a man would not sit at 206 Hz
    assert norms.alternative_register(138.5, 152) == MALE  # raised male or low female
    assert norms.alternative_register(122, 135) is None


def test_high_fast_loud_and_low_slow_soft_read_as_opposites() -> None:
    high = read_prosody(features(deviation_st=5, lufs=-14, wpm=220, syllables_per_s=6), "en")
    low = read_prosody(features(deviation_st=-5, lufs=-31, wpm=100, syllables_per_s=3), "en")
    for dimension in ("pitch", "loudness", "rate"):
        assert high.level(dimension) > 0 > low.level(dimension)
    assert "high-pitched" in high.description and "fast" in high.description
    assert "low and deep" in low.description and "slowly" in low.description
    high_hints, low_hints = prosody_hints(high), prosody_hints(low)
    assert max(high_hints, key=high_hints.__getitem__) == "excited"
    assert max(low_hints, key=low_hints.__getitem__) == "sad"
    assert not set(high_hints) & {"sad", "tired"}
    assert not set(low_hints) & {"excited", "angry"}
    assert "energetic" in arousal_sentence(arousal(high))
    assert "subdued" in arousal_sentence(arousal(low))
    assert arousal_sentence(arousal(read_prosody(features(), "en"))) == ""


def test_intonation_and_pauses() -> None:
    flat = read_prosody(features(sd_st=1.0), "en")
    lively = read_prosody(features(sd_st=4.5), "en")
    assert "flat intonation" in flat.cues and "lively intonation" in lively.cues
    halting = read_prosody(features(pauses=(SpeechSegment(1.0, 2.2),)), "en")
    assert "long pauses" in halting.description
    assert prosody_hints(halting)["reluctant"] > 0


def test_words_per_minute_counts_only_for_english() -> None:
    fast_words = features(wpm=240, syllables_per_s=norms.ARTICULATION_RATE_TYPICAL_SYL_S)
    assert read_prosody(fast_words, "en").level("rate") > 0
    assert read_prosody(fast_words, "zh").level("rate") == 0


def test_prosody_hints_are_vocabulary_words_and_conservative() -> None:
    vocabulary = EmotionVocabulary.default()
    for f in (
        features(deviation_st=8, lufs=-10, wpm=260, syllables_per_s=7, sd_st=5),
        features(deviation_st=-8, lufs=-36, wpm=80, syllables_per_s=2.5, sd_st=1),
    ):
        hints = prosody_hints(read_prosody(f, "en"))
        assert hints
        for word, strength in hints.items():
            assert vocabulary.normalize(word) == word
            assert 0 < strength <= MAX_PROSODY_HINT


def test_model_labels_map_to_vocabulary() -> None:
    vocabulary = EmotionVocabulary.default()
    hints = model_hints({"ang": 0.6, "neu": 0.3, "Calm": 0.05, "xyz": 0.05}, 0.5, vocabulary)
    assert hints == {"angry": 0.3, "neutral": 0.15, "relaxed": 0.025}
    assert merge_hints({"angry": 0.1, "sad": 0.2}, hints) == {
        "angry": 0.3,
        "sad": 0.2,
        "neutral": 0.15,
        "relaxed": 0.025,
    }


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("I", 1),
        ("job", 1),
        ("really", 2),
        ("believe", 2),
        ("wonderful", 3),
        ("table", 2),
        ("unacceptable", 5),
        ("news.", 1),
        ("你好", 2),
        ("—", 0),
    ],
)
def test_syllable_count(word: str, syllables: int) -> None:
    assert count_syllables(word) == syllables


def test_voice_perturbation_is_evidence_only() -> None:
    """Jitter/shimmer are measured on a rough synthetic voice but turned into no words."""
    signal = pulse_train(125, 800, jitter=0.03, shimmer=0.2)
    measured = measure_prosody(signal, SR, (SpeechSegment(0.0, len(signal) / SR),), ())
    assert measured.voice is not None
    assert measured.voice.jitter_percent > 1.5 and measured.voice.shimmer_percent > 15
    reading = read_prosody(measured, "en")
    assert not any("trembl" in c or "unsteady" in c for c in reading.cues)


def test_clipping_is_a_cue() -> None:
    base = features()
    clipped = dataclasses.replace(
        base, loudness=dataclasses.replace(base.loudness, clipped_fraction=0.002, peak_dbfs=0.0)
    )
    reading = read_prosody(clipped, "en")
    assert "clipped, overdriven peaks" in reading.cues
    assert "clips" in reading.description
    assert np.isclose(reading.level("clipping"), 1)
