"""Build the bundled sample clips in ``samples/`` from public-domain material.

Faces: ``skimage.data.astronaut()`` (Eileen Collins, NASA, public domain; smiling),
matplotlib's ``grace_hopper.jpg`` (US Navy, public domain; neutral), and the same portrait made
stern by a geometric warp (brows lowered and drawn together, upper lids lowered, lips pressed:
the actions AU4, AU7 and AU24 of an angry face), placed along the face's MediaPipe landmarks.
Speech: synthesised with
espeak-ng (Debian package ``espeak-ng``), with pitch, speed and volume chosen per intended
emotion. Each clip gets an .srt sidecar. Run: ``.venv/bin/python scripts/make_samples.py``.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import av
import matplotlib
import numpy as np
import soundfile
from PIL import Image
from scipy import ndimage
from skimage import data

from emer_visual.faces import FaceLandmarker

FPS = 15
SIZE = 320  # px, square frames keep the files small
AUDIO_RATE = 16_000  # Hz


@dataclass(frozen=True)
class Sample:
    name: str
    face: str  # "astronaut" | "hopper" | "hopper_stern"
    sentence: str
    pitch: int  # espeak-ng -p, 0-99
    speed: int  # words per minute
    amplitude: int  # espeak-ng -a, 0-200
    intended: tuple[str, ...]


SAMPLES = (
    Sample(
        "happy_news",
        "astronaut",
        "I got the job! I really can't believe it, this is wonderful news.",
        pitch=75,
        speed=185,
        amplitude=160,
        intended=("happy", "excited"),
    ),
    Sample(
        "worried_call",
        "hopper",
        "I don't know what to do. I waited all day, and nobody has called me back.",
        pitch=20,
        speed=120,
        amplitude=60,
        intended=("worried", "sad"),
    ),
    Sample(
        "angry_complaint",
        "hopper_stern",
        "Stop it! I told you a hundred times, this is completely unacceptable!",
        pitch=60,
        speed=200,
        amplitude=190,
        intended=("angry", "frustrated"),
    ),
)


# MediaPipe Face Landmarker indices (canonical face mesh) moved by the stern warp
BROWS = (70, 63, 105, 66, 107, 46, 53, 52, 65, 55, 300, 293, 334, 296, 336, 276, 283, 282, 295, 285)
UPPER_LIDS = (159, 158, 160, 386, 385, 387)
UPPER_LIP = (13, 0, 37, 267)
LOWER_LIP = (14, 17, 84, 314)
MOUTH_CORNERS = (61, 291)
# Displacements as fractions of the face height
BROW_DROP = 0.05  # at the inner ends; 40 % of it at the outer ends
BROW_PULL_IN = 0.03
LID_DROP = 0.012
LIP_PRESS = 0.01
CORNER_DROP = 0.015
WARP_SIGMA = 0.06  # reach of each moved point


def faces() -> dict[str, np.ndarray]:
    hopper_path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    hopper = np.asarray(Image.open(hopper_path).convert("RGB"))
    return {"astronaut": data.astronaut(), "hopper": hopper, "hopper_stern": stern(hopper)}


def stern(image: np.ndarray) -> np.ndarray:
    """The face in ``image`` with lowered, drawn-together brows, lowered lids, pressed lips."""
    landmarker = FaceLandmarker(None, max_faces=1, min_detection_confidence=0.5)
    try:
        face = landmarker.detect([image])[0][0]
    finally:
        landmarker.close()
    points = face.landmarks[:, :2].astype(np.float64)
    height, center_x = face.height, float(points[:, 0].mean())
    moves: list[tuple[int, float, float]] = []  # landmark, dx, dy in px
    for index in BROWS:
        inner = 1 - min(1.0, abs(points[index, 0] - center_x) / (0.35 * face.width))
        toward = np.sign(center_x - points[index, 0])
        drop = BROW_DROP * height * (0.4 + 0.6 * inner)
        moves.append((index, toward * BROW_PULL_IN * height * inner, drop))
    moves += [(index, 0.0, LID_DROP * height) for index in UPPER_LIDS]
    moves += [(index, 0.0, LIP_PRESS * height) for index in UPPER_LIP]
    moves += [(index, 0.0, -LIP_PRESS * height) for index in LOWER_LIP]
    for index in MOUTH_CORNERS:
        toward = np.sign(center_x - points[index, 0])
        moves.append((index, toward * 0.005 * height, CORNER_DROP * height))
    # Each output pixel samples the input at minus a Gaussian-weighted sum of the moves
    # around it, so the moved points land where they should and the rest stays put.
    rows, cols = np.mgrid[0 : image.shape[0], 0 : image.shape[1]].astype(np.float64)
    shift_x, shift_y = np.zeros_like(cols), np.zeros_like(rows)
    sigma = WARP_SIGMA * height
    for index, dx, dy in moves:
        x, y = points[index, 0] + dx, points[index, 1] + dy
        weight = np.exp(-((cols - x) ** 2 + (rows - y) ** 2) / (2 * sigma**2))
        shift_x += weight * dx
        shift_y += weight * dy
    out = np.empty_like(image)
    for channel in range(image.shape[2]):
        out[..., channel] = ndimage.map_coordinates(
            image[..., channel], [rows - shift_y, cols - shift_x], order=1, mode="nearest"
        )
    return out


def frame_at(image: np.ndarray, t: float) -> np.ndarray:
    """A slow zoom, so the clip is a real moving video rather than a still."""
    h, w = image.shape[:2]
    side = min(h, w)
    scale = 1.0 - 0.08 * t / 6.0
    crop = int(side * scale)
    top = (h - crop) // 2
    left = (w - crop) // 2
    region = Image.fromarray(image[top : top + crop, left : left + crop])
    return np.asarray(region.resize((SIZE, SIZE), Image.BILINEAR))


def speak(sample: Sample, out: Path) -> np.ndarray:
    subprocess.run(
        [
            "espeak-ng",
            "-v",
            "en-us",
            "-p",
            str(sample.pitch),
            "-s",
            str(sample.speed),
            "-a",
            str(sample.amplitude),
            "-w",
            str(out),
            sample.sentence,
        ],
        check=True,
    )
    audio, rate = soundfile.read(out, dtype="float32")
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    if rate != AUDIO_RATE:
        positions = np.linspace(0, len(audio) - 1, int(len(audio) * AUDIO_RATE / rate))
        audio = np.interp(positions, np.arange(len(audio)), audio).astype(np.float32)
    lead = np.zeros(int(0.4 * AUDIO_RATE), dtype=np.float32)
    return np.concatenate([lead, audio, lead])


def write_clip(sample: Sample, images: dict[str, np.ndarray], out_dir: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        speech = speak(sample, Path(tmp) / "speech.wav")
    duration = len(speech) / AUDIO_RATE
    path = out_dir / f"{sample.name}.mp4"
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width = video.height = SIZE
        video.pix_fmt = "yuv420p"
        video.options = {"crf": "30", "preset": "veryslow"}
        audio = container.add_stream("aac", rate=AUDIO_RATE)
        audio.layout = "mono"
        for index in range(int(duration * FPS)):
            t = index / FPS
            image = frame_at(images[sample.face], t)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode())
        chunk = 1024
        for start in range(0, len(speech), chunk):
            piece = speech[start : start + chunk]
            frame = av.AudioFrame.from_ndarray(piece[None, :], format="flt", layout="mono")
            frame.sample_rate = AUDIO_RATE
            frame.pts = start
            container.mux(audio.encode(frame))
        container.mux(audio.encode())
    end = duration - 0.3
    (out_dir / f"{sample.name}.srt").write_text(
        f"1\n00:00:00,300 --> 00:00:0{int(end)},{int((end % 1) * 1000):03d}\n{sample.sentence}\n",
        encoding="utf-8",
    )
    return {
        "clip": sample.name,
        "duration_s": round(duration, 2),
        "face": sample.face,
        "intended_emotions": list(sample.intended),
        "espeak": {"pitch": sample.pitch, "speed": sample.speed, "amplitude": sample.amplitude},
    }


def main() -> None:
    out_dir = Path(__file__).resolve().parent.parent / "samples"
    out_dir.mkdir(exist_ok=True)
    images = faces()
    provenance = [write_clip(sample, images, out_dir) for sample in SAMPLES]
    (out_dir / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
    print(f"wrote {len(provenance)} clips to {out_dir}")


if __name__ == "__main__":
    main()
