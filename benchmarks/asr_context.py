"""Whisper's encoder on a window fitted to the clip instead of its fixed 30 s: cost and WER.

faster-whisper pads every window to 30 s of log-Mel frames, and the encoder (self-attention
over 1500 positions) is most of the audio stage's CPU time on a 5-second clip. CTranslate2
accepts fewer frames, so the encoder could see only the clip plus a margin. This benchmark
measures, side by side in one run and on the same audio, the CPU time and the word error rate
(WER) of the full window and of fitted windows, on a small speech corpus: the three sample
clips (their ``.srt`` text), the spoken ALSA test files (``/usr/share/sounds/alsa``) and
espeak-ng sentences of 1-14 s with random silence around them, half of them also with white
noise at 10 dB SNR (seeded).

    .venv/bin/python benchmarks/asr_context.py [--threads 2]

Results: docs/audio.md ("Where the audio stage's time goes").
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from faster_whisper import WhisperModel

from emer_audio.decode import decode_audio_window
from emer_audio.settings import bundled_whisper_model
from emer_common.subtitles import read_subtitle_track

REPO = Path(__file__).resolve().parent.parent
ALSA = Path("/usr/share/sounds/alsa")
FRAMES_PER_S = 100  # log-Mel frames per second (10 ms hop)
FULL_FRAMES = 3000  # Whisper's 30 s window
SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "I can't believe you did that again, after everything we talked about last week.",
    "We should leave early tomorrow morning if we want to catch the first train to the city.",
    "Honestly, I am so tired of waiting for an answer that never comes.",
    "Wow, that is amazing! Congratulations on your new house, it looks beautiful.",
    "Nobody told me the meeting was cancelled, so I sat there alone for an hour.",
    "It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith "
    "slipped quickly through the glass doors of Victory Mansions, though not quickly enough "
    "to prevent a swirl of gritty dust from entering along with him.",
    "Yes.",
    "No, thank you.",
    "Could you turn the music down a little? I am trying to sleep.",
    "The committee will review the proposal on Monday and announce its decision by the end of "
    "the month, after consulting with every department involved in the project.",
)
VOICES = ("en-us", "en+f3", "en+m3", "en-gb", "en+f4", "en+m7")
# (margin after the audio, shortest window), seconds
FITTED = ((1.0, 0.0), (2.0, 5.0), (5.0, 10.0))

_context = threading.local()


class FittedWhisper(WhisperModel):
    """Encodes only the first ``_context.frames`` frames of each (30 s) window when set."""

    def encode(self, features: np.ndarray) -> Any:
        frames = getattr(_context, "frames", None)
        return super().encode(features[..., :frames] if frames else features)


def samples_of(path: Path) -> np.ndarray:
    window = decode_audio_window(path, 0.0, None, 600.0)
    assert window is not None
    return window.samples


def corpus(work: Path, seed: int = 16) -> list[tuple[str, np.ndarray, str]]:
    rng = np.random.default_rng(seed)
    items = []
    for clip in sorted((REPO / "samples").glob("*.mp4")):
        text = " ".join(cue.text for cue in read_subtitle_track(clip.with_suffix(".srt")).cues)
        items.append((clip.stem, samples_of(clip), text))
    for wav in sorted(ALSA.glob("*_*.wav")):
        items.append((f"alsa {wav.stem}", samples_of(wav), wav.stem.replace("_", " ")))
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed (make system-deps)")
    for i, sentence in enumerate(SENTENCES):
        wav = work / f"s{i}.wav"
        speed, pitch = int(rng.integers(130, 210)), int(rng.integers(20, 80))
        voice = VOICES[i % len(VOICES)]
        command = ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(wav)]
        subprocess.run([*command, sentence], check=True, capture_output=True)
        lead = np.zeros(int(rng.uniform(0.1, 2.0) * 16_000), np.float32)
        tail = np.zeros(int(rng.uniform(0.1, 3.0) * 16_000), np.float32)
        speech = np.concatenate([lead, samples_of(wav), tail])
        items.append((f"espeak {i}", speech, sentence))
        if i % 2 == 0:
            noise = rng.normal(0.0, 1.0, len(speech)).astype(np.float32)
            noise *= np.sqrt(np.mean(speech**2) / 10) / np.std(noise)  # 10 dB SNR
            items.append((f"espeak {i} noisy", np.clip(speech + noise, -1, 1), sentence))
    return items


def words_of(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        previous, row = row, [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ref != hyp))
    return row[-1]


def fitted_frames(samples: np.ndarray, margin_s: float, min_s: float) -> int | None:
    """Frames of a window that holds the audio plus ``margin_s``, in whole seconds."""
    frames = max(int(min_s * FRAMES_PER_S), len(samples) // 160 + 1 + int(margin_s * 100))
    frames = -(-frames // FRAMES_PER_S) * FRAMES_PER_S
    return frames if frames < FULL_FRAMES else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    model = FittedWhisper(
        bundled_whisper_model(),
        device="cpu",
        compute_type="int8",
        cpu_threads=args.threads,
        local_files_only=True,
    )

    def transcribe(samples: np.ndarray, frames: int | None) -> tuple[str, float]:
        _context.frames = frames
        start = time.process_time()
        segments, _ = model.transcribe(
            samples,
            language="en",
            beam_size=1,
            temperature=0.0,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        text = " ".join(s.text.strip() for s in segments)  # the generator does the work
        return text, time.process_time() - start

    variants: dict[str, tuple[float, float] | None] = {"full 30 s": None}
    variants |= {f"audio+{m:g}s, min {n:g}s": (m, n) for m, n in FITTED}
    totals = {name: [0, 0, 0.0, 0] for name in variants}  # errors, words, CPU s, same text
    with tempfile.TemporaryDirectory() as work:
        items = corpus(Path(work))
        transcribe(items[0][1], None)  # warm-up
        for name, samples, reference in items:
            full_text = ""
            cells = []
            for variant, fit in variants.items():
                frames = fitted_frames(samples, *fit) if fit else None
                text, cpu = transcribe(samples, frames)
                full_text = full_text or text
                errors = edit_distance(words_of(reference), words_of(text))
                total = totals[variant]
                total[0] += errors
                total[1] += len(words_of(reference))
                total[2] += cpu
                total[3] += text == full_text
                cells.append(f"{errors:>3} {cpu:5.2f}")
            print(f"{name:<22}{len(samples) / 16_000:5.1f} s  " + "  ".join(cells), flush=True)
    print(f"{len(items)} utterances; per variant: word errors / reference words, CPU s")
    for variant, (errors, words, cpu, same) in totals.items():
        print(
            f"{variant:<22} WER {errors}/{words} = {errors / words:.3f}   CPU {cpu:6.1f} s   "
            f"text identical to the full window: {same}/{len(items)}"
        )


if __name__ == "__main__":
    main()
