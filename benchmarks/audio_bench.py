"""Real-time factor of the audio analysis on the CPU, per stage, for the sample clips.

    .venv/bin/python benchmarks/audio_bench.py                     # 2 threads, samples/*.mp4
    .venv/bin/python benchmarks/audio_bench.py --threads 1 --repeats 5 --json out/audio.json

Stages are timed separately on the same decoded audio (decode, VAD, ASR, prosody = pitch +
loudness + timing + voice perturbation + words; "encoder" is the part of ASR spent in
Whisper's encoder on the 30 s window faster-whisper pads every clip to), then the whole
``AudioAnalyzer.analyze`` call. Each figure is the median of ``--repeats`` runs after one
warm-up run. Real-time factor (RTF) = processing time / audio duration; RTF 0.2 means a
5 s clip takes 1 s. Results: docs/audio.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

from faster_whisper.audio import pad_or_trim

from emer_audio.analyzer import AudioAnalyzer
from emer_audio.backends.base import FloatArray
from emer_audio.decode import decode_audio_window
from emer_audio.describe import read_prosody
from emer_audio.hints import prosody_hints
from emer_audio.prosody import measure_prosody
from emer_audio.settings import AudioSettings

log = logging.getLogger("audio_bench")
REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@dataclass(frozen=True)
class ClipTiming:
    clip: str
    duration_s: float
    decode_s: float
    vad_s: float
    asr_s: float
    encoder_s: float  # Whisper's encoder alone on the padded 30 s window, part of asr_s
    prosody_s: float
    analyze_s: float
    analyze_cpu_s: float  # CPU time of all threads: independent of other load on the machine

    @property
    def rtf(self) -> dict[str, float]:
        return {
            stage: round(getattr(self, f"{stage}_s") / self.duration_s, 4)
            for stage in ("decode", "vad", "asr", "prosody", "analyze")
        }


def timed(repeats: int, work: Callable[[], T]) -> tuple[float, T]:
    """Median wall time of ``repeats`` calls after a warm-up call, and the last result."""
    wall, _, result = timed_with_cpu(repeats, work)
    return wall, result


def timed_with_cpu(repeats: int, work: Callable[[], T]) -> tuple[float, float, T]:
    """Median wall and CPU (all threads) time of ``repeats`` calls after a warm-up call."""
    result = work()
    walls, cpus = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus), result


def bench_clip(analyzer: AudioAnalyzer, path: Path, repeats: int) -> ClipTiming:
    settings = analyzer.settings
    decode_s, window = timed(
        repeats, lambda: decode_audio_window(path, 0.0, None, settings.max_window_s)
    )
    if window is None:
        raise SystemExit(f"{path} has no audio track")
    samples, rate = window.samples, window.sample_rate
    vad_s, segments = timed(
        repeats, lambda: analyzer.vad.detect(samples, rate, settings.vad_threshold)
    )
    asr_s, recognition = timed(repeats, lambda: analyzer.asr.transcribe(samples, rate))
    encoder_s = encoder_time(analyzer, samples, repeats)

    def prosody() -> dict[str, float]:
        features = measure_prosody(samples, rate, segments, recognition.words)
        return prosody_hints(read_prosody(features, recognition.language))

    prosody_s, _ = timed(repeats, prosody)
    analyze_s, analyze_cpu_s, _ = timed_with_cpu(repeats, lambda: analyzer.analyze(path, 0.0, None))
    return ClipTiming(
        path.stem,
        window.duration_s,
        decode_s,
        vad_s,
        asr_s,
        encoder_s,
        prosody_s,
        analyze_s,
        analyze_cpu_s,
    )


def encoder_time(analyzer: AudioAnalyzer, samples: FloatArray, repeats: int) -> float:
    """Median wall time of Whisper's encoder on the window faster-whisper feeds it."""
    whisper = getattr(analyzer.asr, "_model", None)
    if whisper is None:  # another ASR backend
        return float("nan")
    features = pad_or_trim(
        whisper.feature_extractor(samples)[:, : whisper.feature_extractor.nb_max_frames]
    )
    wall, _ = timed(repeats, lambda: whisper.encode(features))
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, help="default: samples/*.mp4")
    parser.add_argument("--threads", type=int, default=2, help="cpu_threads (ASR and torch)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    clips = args.clips or sorted((REPO / "samples").glob("*.mp4"))
    settings = AudioSettings(cpu_threads=args.threads)
    start = time.perf_counter()
    analyzer = AudioAnalyzer.from_settings(settings)
    load_s = time.perf_counter() - start
    log.info("models loaded in %.2f s: %s", load_s, [m.model for m in analyzer.models])

    rows = [bench_clip(analyzer, clip, args.repeats) for clip in clips]
    header = (
        f"{'clip':<18}{'audio s':>8}{'decode':>9}{'VAD':>9}{'ASR':>9}{'encoder':>9}{'prosody':>9}"
    )
    header += f"{'analyze':>9}{'CPU s':>8}{'RTF ASR':>9}{'RTF pros':>9}{'RTF all':>9}"
    load_avg = os.getloadavg()[0]
    lines = [
        f"threads={args.threads} repeats={args.repeats} model load={load_s:.2f}s "
        f"machine load average={load_avg:.1f} on {os.cpu_count()} CPUs",
        header,
    ]
    for row in rows:
        lines.append(
            f"{row.clip:<18}{row.duration_s:>8.2f}{row.decode_s:>9.3f}{row.vad_s:>9.3f}"
            f"{row.asr_s:>9.3f}{row.encoder_s:>9.3f}{row.prosody_s:>9.3f}{row.analyze_s:>9.3f}"
            f"{row.analyze_cpu_s:>8.3f}{row.rtf['asr']:>9.3f}{row.rtf['prosody']:>9.3f}{row.rtf['analyze']:>9.3f}"
        )
    total_audio = sum(r.duration_s for r in rows)
    lines.append(
        f"{'all clips':<18}{total_audio:>8.2f}{'':>62}"
        f"{sum(r.asr_s for r in rows) / total_audio:>9.3f}"
        f"{sum(r.prosody_s for r in rows) / total_audio:>9.3f}"
        f"{sum(r.analyze_s for r in rows) / total_audio:>9.3f}"
    )
    print("\n".join(lines))  # the benchmark's result table is its output
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "threads": args.threads,
            "repeats": args.repeats,
            "load_s": load_s,
            "load_average": load_avg,
            "models": [m.model_dump() for m in analyzer.models],
            "clips": [asdict(r) | {"rtf": r.rtf} for r in rows],
        }
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
