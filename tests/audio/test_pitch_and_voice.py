"""F0 tracking and jitter/shimmer on signals whose true values are known."""

from __future__ import annotations

import numpy as np
import pytest

from emer_audio.pitch import track_pitch
from emer_audio.voice_quality import measure_perturbation

pytestmark = pytest.mark.unit
SR = 16_000


def harmonic(f0: float, seconds: float = 1.0, harmonics: int = 8) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, harmonics + 1))
    return (0.2 * wave).astype(np.float32)


def pulse_train(f0: float, cycles: int, jitter: float, shimmer: float, seed: int = 0) -> np.ndarray:
    """A source-filter vowel: glottal excitations at perturbed instants, each ringing a
    damped 700 Hz resonance (a first formant) scaled by a perturbed amplitude."""
    rng = np.random.default_rng(seed)
    periods = SR / f0 * (1 + jitter * rng.standard_normal(cycles))
    amplitudes = 1 + shimmer * rng.standard_normal(cycles)
    instants = np.concatenate([[0.0], np.cumsum(periods)[:-1]])
    signal = np.zeros(int(instants[-1] + 2 * SR / f0))
    ring_t = np.arange(int(SR / f0 * 0.8)) / SR
    ring = np.exp(-ring_t / 0.002) * np.sin(2 * np.pi * 700 * ring_t + np.pi / 2)
    for instant, amplitude in zip(instants, amplitudes, strict=True):
        start = round(float(instant))
        signal[start : start + len(ring)] += amplitude * ring
    return (0.3 * signal).astype(np.float32)


@pytest.mark.parametrize("f0", [70.0, 110.0, 210.0, 330.0])
def test_yin_recovers_the_f0_of_harmonic_tones(f0: float) -> None:
    track = track_pitch(harmonic(f0), SR)
    assert track.voiced.mean() > 0.9
    assert abs(np.nanmedian(track.f0_hz) - f0) / f0 < 0.01


def test_yin_follows_a_glide() -> None:
    t = np.arange(SR) / SR
    freq = 100 + 100 * t  # 100 -> 200 Hz over one second
    phase = 2 * np.pi * np.cumsum(freq) / SR
    signal = (0.2 * sum(np.sin(k * phase) / k for k in range(1, 6))).astype(np.float32)
    track = track_pitch(signal, SR)
    expected = 100 + 100 * track.times_s
    voiced = track.voiced
    assert np.median(np.abs(track.f0_hz[voiced] - expected[voiced]) / expected[voiced]) < 0.02


def test_noise_and_silence_are_unvoiced() -> None:
    noise = (0.1 * np.random.default_rng(0).standard_normal(SR)).astype(np.float32)
    assert track_pitch(noise, SR).voiced.mean() < 0.05
    assert not track_pitch(np.zeros(SR, np.float32), SR).voiced.any()


def test_steady_voice_has_no_perturbation() -> None:
    signal = pulse_train(125, 240, jitter=0.0, shimmer=0.0)
    result = measure_perturbation(signal, SR, track_pitch(signal, SR))
    assert result is not None and result.cycles > 200
    assert result.jitter_percent < 0.1
    assert result.shimmer_percent < 0.1


@pytest.mark.parametrize("jitter", [0.01, 0.03])
def test_jitter_matches_the_period_perturbation(jitter: float) -> None:
    signal = pulse_train(125, 240, jitter=jitter, shimmer=0.0)
    result = measure_perturbation(signal, SR, track_pitch(signal, SR))
    assert result is not None
    # mean |T_i - T_i+1| of independent N(T, (jT)^2) periods is 2/sqrt(pi) * j * T
    expected = 100 * jitter * 2 / np.sqrt(np.pi)
    assert expected * 0.6 < result.jitter_percent < expected * 1.4


def test_shimmer_matches_the_amplitude_perturbation() -> None:
    signal = pulse_train(125, 240, jitter=0.0, shimmer=0.08)
    result = measure_perturbation(signal, SR, track_pitch(signal, SR))
    assert result is not None
    expected = 100 * 0.08 * 2 / np.sqrt(np.pi)
    assert expected * 0.6 < result.shimmer_percent < expected * 1.4
    assert result.jitter_percent < 0.5
