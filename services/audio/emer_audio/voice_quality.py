"""Cycle-to-cycle voice perturbation: local jitter and local shimmer.

Glottal cycles are marked by waveform matching: from one cycle start, the next is the lag
(within +-25 % of the period the F0 track expects) that best correlates the cycle with its
successor. Jitter (local) is the mean absolute difference of consecutive periods divided by
the mean period, shimmer (local) the same for the cycles' peak-to-peak amplitudes; these are
the definitions Praat documents. Only consecutive cycles of one voiced stretch are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from emer_audio.pitch import PitchTrack

MIN_RUN_FRAMES = 6  # 10 ms frames; shorter voiced stretches hold too few cycles
PERIOD_SEARCH = 0.25  # +- fraction of the expected period searched for the next cycle
MIN_CYCLE_CORRELATION = 0.7  # a worse match ends the stretch (voicing changed)


@dataclass(frozen=True)
class VoicePerturbation:
    jitter_percent: float
    shimmer_percent: float
    cycles: int


def measure_perturbation(
    samples: npt.NDArray[np.float32], sample_rate: int, track: PitchTrack
) -> VoicePerturbation | None:
    """Local jitter and shimmer over all voiced stretches; None when no cycles were found."""
    x = samples.astype(np.float64)
    period_diffs: list[float] = []
    periods: list[float] = []
    amp_diffs: list[float] = []
    amps: list[float] = []
    for first, last in _voiced_runs(track.voiced):
        start = round(track.times_s[first] * sample_rate)
        stop = round(track.times_s[last] * sample_rate)
        f0 = float(np.nanmedian(track.f0_hz[first : last + 1]))
        run_periods, run_amps = _mark_cycles(x[start:stop], sample_rate / f0)
        if len(run_periods) < 2:
            continue
        periods.extend(run_periods)
        amps.extend(run_amps)
        period_diffs.extend(np.abs(np.diff(run_periods)).tolist())
        amp_diffs.extend(np.abs(np.diff(run_amps)).tolist())
    if not period_diffs:
        return None
    return VoicePerturbation(
        jitter_percent=100.0 * float(np.mean(period_diffs) / np.mean(periods)),
        shimmer_percent=100.0 * float(np.mean(amp_diffs) / np.mean(amps)),
        cycles=len(periods),
    )


def _voiced_runs(voiced: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [
        (int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s + 1 >= MIN_RUN_FRAMES
    ]


def _mark_cycles(x: npt.NDArray[np.float64], expected: float) -> tuple[list[float], list[float]]:
    """Periods (samples) and peak amplitudes of consecutive cycles in ``x``.

    The template is the half period around the current cycle's main peak; a full-period
    template would also hold the onset of the next cycle and smooth the periods it finds.
    """
    periods: list[float] = []
    amps: list[float] = []
    period = expected
    quarter = max(1, round(period) // 4)
    pos = quarter + int(np.argmax(x[quarter : quarter + round(period)]))
    while True:
        lo = max(1, int(period * (1 - PERIOD_SEARCH)))
        hi = int(np.ceil(period * (1 + PERIOD_SEARCH)))
        if pos + hi + quarter >= len(x):
            break
        template = x[pos - quarter : pos + quarter]
        candidates = np.lib.stride_tricks.sliding_window_view(
            x[pos + lo - quarter : pos + hi + quarter], 2 * quarter
        )
        norms = np.sqrt(np.sum(candidates**2, axis=1) * np.sum(template**2)) + 1e-12
        scores = candidates @ template / norms
        best = int(np.argmax(scores))
        if scores[best] < MIN_CYCLE_CORRELATION:
            break
        lag = lo + best + _parabolic_offset(scores, best)
        periods.append(lag)
        amps.append(float(np.max(np.abs(template))))
        period = lag
        pos += lo + best
    return periods, amps


def _parabolic_offset(values: npt.NDArray[np.float64], i: int) -> float:
    if i == 0 or i == len(values) - 1:
        return 0.0
    left, mid, right = values[i - 1], values[i], values[i + 1]
    denom = left - 2 * mid + right
    return float(np.clip(0.5 * (left - right) / denom, -0.5, 0.5)) if abs(denom) > 1e-12 else 0.0
