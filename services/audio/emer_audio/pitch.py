"""Fundamental-frequency (F0) tracking with the YIN method, vectorised over frames.

YIN (de Cheveigné & Kawahara, "YIN, a fundamental frequency estimator for speech and music",
JASA 111(4), 2002): the cumulative-mean-normalised difference function of each frame is
searched for its first dip under an absolute threshold; parabolic interpolation refines the
lag. Written here from the published description; the difference function is computed for all
frames at once through FFT cross-correlation, so a 5 s clip takes a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.signal import medfilt

FloatArray = npt.NDArray[np.float64]

F0_MIN_HZ = 50.0  # Hz; below the lowest typical adult male speaking F0 (85 Hz, Baken 2000)
F0_MAX_HZ = 500.0  # Hz; above children's typical speaking F0 (~300 Hz) with room for excitement
FRAME_HOP_S = 0.010  # s; the usual 10 ms analysis hop of speech front ends
INTEGRATION_WINDOW_S = 0.025  # s; YIN's integration window, 1.25 periods of F0_MIN_HZ
YIN_THRESHOLD = 0.15  # the absolute threshold of YIN step 4 (the paper uses 0.1-0.15)
# emer choice: a frame is voiced when its best dip is below this. Looser than the dip search:
# voiced speech with moving F0 or formants often bottoms out at 0.15-0.35.
VOICING_THRESHOLD = 0.35
MIN_FRAME_RMS = 10 ** (-50 / 20)  # linear; frames quieter than -50 dBFS are not voiced
OCTAVE_JUMP_RATIO = 1.8  # a frame this far above/below the clip median is an octave error
MEDIAN_SMOOTHING_FRAMES = 5  # frames (50 ms); removes single-frame octave errors
FRAMES_PER_BLOCK = 1000  # frames (10 s) analysed at once


@dataclass(frozen=True)
class PitchTrack:
    """F0 per frame (NaN where unvoiced), frame times relative to the window start."""

    times_s: FloatArray
    f0_hz: FloatArray
    periodicity: FloatArray  # 1 - CMNDF at the chosen lag: ~1 for clean periodic voice
    hop_s: float

    @property
    def voiced(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.f0_hz)


def track_pitch(
    samples: npt.NDArray[np.float32],
    sample_rate: int,
    f0_min_hz: float = F0_MIN_HZ,
    f0_max_hz: float = F0_MAX_HZ,
) -> PitchTrack:
    """YIN F0 track of a mono signal at a 10 ms hop."""
    hop = round(FRAME_HOP_S * sample_rate)
    window = round(INTEGRATION_WINDOW_S * sample_rate)
    tau_min = int(sample_rate / f0_max_hz)
    tau_max = int(np.ceil(sample_rate / f0_min_hz))
    frame_len = window + tau_max + 1
    x = samples.astype(np.float64)
    if len(x) < frame_len:
        empty = np.zeros(0)
        return PitchTrack(empty, empty, empty, FRAME_HOP_S)
    n_frames = 1 + (len(x) - frame_len) // hop
    frames = np.lib.stride_tricks.sliding_window_view(x, frame_len)[::hop][:n_frames]

    lags = np.empty(n_frames)
    depth = np.empty(n_frames)
    # Blocks of frames bound the FFT buffers (a 10-minute window would otherwise need ~1 GB).
    for first in range(0, n_frames, FRAMES_PER_BLOCK):
        block = frames[first : first + FRAMES_PER_BLOCK]
        block_lags, block_depth = _pick_lags(_cmndf(block, window, tau_max), tau_min, tau_max)
        lags[first : first + len(block)] = block_lags
        depth[first : first + len(block)] = block_depth
    rms = np.sqrt(np.mean(frames[:, :window] ** 2, axis=1))
    voiced = (depth < VOICING_THRESHOLD) & (rms > MIN_FRAME_RMS)
    f0 = np.where(voiced, sample_rate / np.maximum(lags, 1e-9), np.nan)
    f0 = _fix_octave_errors(f0)
    times = (np.arange(n_frames) * hop + window / 2) / sample_rate
    periodicity = np.clip(1.0 - depth, 0.0, 1.0)
    return PitchTrack(times, f0, periodicity, FRAME_HOP_S)


def _cmndf(frames: FloatArray, window: int, tau_max: int) -> FloatArray:
    """Cumulative-mean-normalised difference d'(tau) for tau in [0, tau_max] of every frame."""
    n_fft = 1 << int(np.ceil(np.log2(frames.shape[1] + window)))
    spectrum_full = np.fft.rfft(frames, n_fft)
    spectrum_head = np.fft.rfft(frames[:, :window], n_fft)
    cross = np.fft.irfft(np.conj(spectrum_head) * spectrum_full, n_fft)[:, : tau_max + 1]
    energy_cumsum = np.concatenate(
        [np.zeros((frames.shape[0], 1)), np.cumsum(frames**2, axis=1)], axis=1
    )
    head_energy = energy_cumsum[:, window][:, None]
    taus = np.arange(tau_max + 1)
    shifted_energy = energy_cumsum[:, taus + window] - energy_cumsum[:, taus]
    diff = np.maximum(head_energy + shifted_energy - 2.0 * cross, 0.0)
    cumulative = np.cumsum(diff[:, 1:], axis=1)
    out: FloatArray = np.ones_like(diff)
    out[:, 1:] = diff[:, 1:] * taus[1:] / np.maximum(cumulative, 1e-12)
    return out


def _pick_lags(cmndf: FloatArray, tau_min: int, tau_max: int) -> tuple[FloatArray, FloatArray]:
    """First local minimum under the threshold (else the global minimum), refined."""
    search = cmndf[:, tau_min : tau_max + 1]
    below = search < YIN_THRESHOLD
    has_dip = below.any(axis=1)
    first = np.where(has_dip, below.argmax(axis=1), search.argmin(axis=1))
    # Walk down from the first sub-threshold lag to the bottom of its dip.
    idx = first.copy()
    last = search.shape[1] - 1
    rows = np.arange(search.shape[0])
    for _ in range(search.shape[1]):
        step = (idx < last) & (search[rows, np.minimum(idx + 1, last)] < search[rows, idx])
        if not step.any():
            break
        idx = idx + step
    lag = (idx + tau_min).astype(np.float64)
    depth = search[rows, idx]
    # Parabolic interpolation around the dip for sub-sample precision.
    inner = (idx > 0) & (idx < last)
    left = search[rows, np.maximum(idx - 1, 0)]
    right = search[rows, np.minimum(idx + 1, last)]
    denom = left - 2.0 * depth + right
    usable = inner & (np.abs(denom) > 1e-12)
    offset = np.zeros_like(denom)
    offset[usable] = 0.5 * (left[usable] - right[usable]) / denom[usable]
    return lag + np.clip(offset, -1.0, 1.0), depth


def _fix_octave_errors(f0: FloatArray) -> FloatArray:
    voiced = ~np.isnan(f0)
    if voiced.sum() < MEDIAN_SMOOTHING_FRAMES:
        return f0
    median = float(np.median(f0[voiced]))
    fixed = f0.copy()
    fixed[fixed > OCTAVE_JUMP_RATIO * median] /= 2.0
    fixed[fixed < median / OCTAVE_JUMP_RATIO] *= 2.0
    # Median-filter inside voiced runs only, so unvoiced gaps do not leak into the contour.
    filled = np.where(voiced, fixed, 0.0)
    smoothed = medfilt(filled, MEDIAN_SMOOTHING_FRAMES)
    fixed[voiced] = np.where(smoothed[voiced] > 0, smoothed[voiced], fixed[voiced])
    return fixed
