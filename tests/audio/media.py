"""Test media made on the fly: espeak-ng speech, silence, a video without audio."""

from __future__ import annotations

import shutil
import subprocess
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

SENTENCE = "I got the job! I really can't believe it, this is wonderful news."
FRONT_CENTER = Path("/usr/share/sounds/alsa/Front_Center.wav")


def espeak(path: Path, text: str, pitch: int, speed: int, amplitude: int) -> Path:
    """Synthesise ``text`` with espeak-ng (pitch 0-99, speed words/min, amplitude 0-200)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make system-deps)")
    subprocess.run(
        [
            "espeak-ng",
            "-p",
            str(pitch),
            "-s",
            str(speed),
            "-a",
            str(amplitude),
            "-w",
            str(path),
            text,
        ],
        check=True,
        capture_output=True,
    )
    return path


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = 16_000) -> Path:
    pcm = np.clip(samples, -1.0, 1.0)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes((pcm * 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as source:
        data = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
        return data.astype(np.float32) / 32768.0, source.getframerate()


def video(path: Path, seconds: float, audio: np.ndarray | None = None, rate: int = 16_000) -> Path:
    """An H.264 MP4 of grey frames, with an AAC track of ``audio`` when given."""
    fps = 10
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        audio_stream = None
        if audio is not None:
            audio_stream = container.add_stream("aac", rate=rate)
            audio_stream.layout = "mono"
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 128, np.uint8), format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if audio_stream is not None and audio is not None:
            chunk = 1024
            for start in range(0, len(audio), chunk):
                piece = audio[start : start + chunk].astype(np.float32)[None, :]
                frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout="mono")
                frame.sample_rate = rate
                frame.pts = start
                container.mux(audio_stream.encode(frame))
            container.mux(audio_stream.encode())
    return path
