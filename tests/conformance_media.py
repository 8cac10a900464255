"""Media of many kinds, made at test time with PyAV's encoders from one spoken sentence.

Nothing here is committed media: each file is written into the test's temporary folder, a
couple of seconds long, so the conformance matrix stays fast.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

SPOKEN = "Please open the green window."
SPOKEN_WORDS = ("green", "window")
"""Words the transcript of ``SPOKEN`` must contain (whisper tiny.en hears them reliably)."""
SPEECH_RATE = 22_050  # Hz; espeak-ng's output rate
FPS = 10
SIDE_PX = 64

# container suffix -> (video codec, audio codec) that container is commonly written with
AUDIO_CODECS: dict[str, tuple[str, int, str, str]] = {
    # name: (encoder, sample rate, layout, sample format)
    "aac": ("aac", 44_100, "stereo", "fltp"),
    "ac3": ("ac3", 48_000, "stereo", "fltp"),
    "mp3": ("libmp3lame", 44_100, "stereo", "fltp"),
    "opus": ("libopus", 48_000, "stereo", "s16"),
    "vorbis": ("vorbis", 44_100, "stereo", "fltp"),  # FFmpeg's own encoder (experimental)
    "pcm": ("pcm_s16le", 22_050, "mono", "s16"),
    "flac": ("flac", 44_100, "mono", "s16"),
    "mulaw8k": ("pcm_mulaw", 8_000, "mono", "s16"),
    "aac51": ("aac", 48_000, "5.1", "fltp"),
}
VIDEO_CODECS: dict[str, tuple[str, str]] = {
    "h264": ("libx264", "yuv420p"),
    "mpeg4": ("mpeg4", "yuv420p"),
    "mpeg2": ("mpeg2video", "yuv420p"),
    "vp8": ("libvpx", "yuv420p"),
    "vp9": ("libvpx-vp9", "yuv420p"),
    "mjpeg": ("mjpeg", "yuvj420p"),
}


def speech(folder: Path) -> np.ndarray:
    """``SPOKEN`` as float32 mono at ``SPEECH_RATE``, synthesised by espeak-ng."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make system-deps)")
    path = folder / "spoken.wav"
    if not path.exists():
        subprocess.run(
            ["espeak-ng", "-s", "140", "-w", str(path), SPOKEN], check=True, capture_output=True
        )
    with wave.open(str(path), "rb") as source:
        data = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    return data.astype(np.float32) / 32768.0


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    positions = np.arange(round(len(samples) * rate / SPEECH_RATE)) * SPEECH_RATE / rate
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def _audio_frames(samples: np.ndarray, rate: int, layout: str, fmt: str, frame_size: int):
    """PyAV frames of ``samples`` (resampled to ``rate``) on every channel of ``layout``."""
    mono = _resample(samples, rate)
    channels = av.AudioLayout(layout).nb_channels
    size = frame_size or 1024
    for start in range(0, len(mono), size):
        piece = np.repeat(mono[None, start : start + size], channels, axis=0)
        if fmt == "s16":
            data = (np.clip(piece, -1, 1) * 32767).astype(np.int16).T.reshape(1, -1)
        else:
            data = piece.astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout=layout)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        yield frame


def _add_audio(container: av.container.OutputContainer, audio: str) -> av.AudioStream:
    encoder, rate, layout, fmt = AUDIO_CODECS[audio]
    stream = container.add_stream(encoder, rate=rate)
    stream.layout = layout
    stream.format = fmt
    if encoder == "vorbis":
        stream.codec_context.options = {"strict": "experimental"}
    return stream


def _encode_audio(container, stream, samples: np.ndarray, audio: str) -> None:
    _, rate, layout, fmt = AUDIO_CODECS[audio]
    for frame in _audio_frames(samples, rate, layout, fmt, stream.codec_context.frame_size):
        container.mux(stream.encode(frame))
    container.mux(stream.encode())


def make_media(
    path: Path, samples: np.ndarray, video: str | None = "h264", audio: str | None = "aac"
) -> Path:
    """Write ``samples`` (and grey frames when ``video``) into ``path``'s container."""
    seconds = len(samples) / SPEECH_RATE
    with av.open(str(path), "w") as container:
        vstream = None
        if video is not None:
            encoder, pix_fmt = VIDEO_CODECS[video]
            vstream = container.add_stream(encoder, rate=FPS)
            vstream.width, vstream.height, vstream.pix_fmt = SIDE_PX, SIDE_PX, pix_fmt
        astream = _add_audio(container, audio) if audio is not None else None
        if vstream is not None:
            for i in range(max(1, round(seconds * FPS))):
                level = 60 + (i * 7) % 120
                rgb = np.full((SIDE_PX, SIDE_PX, 3), level, np.uint8)
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts, frame.time_base = i, Fraction(1, FPS)
                container.mux(vstream.encode(frame))
            container.mux(vstream.encode())
        if astream is not None:
            _encode_audio(container, astream, samples, audio or "")
    return path


def elementary_stream(samples: np.ndarray, audio: str, muxer: str) -> bytes:
    """``samples`` encoded as a raw elementary stream (``adts``, ``mp3``, ``ac3``)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=muxer) as container:
        stream = _add_audio(container, audio)
        _encode_audio(container, stream, samples, audio)
    return buffer.getvalue()


def unaligned_avi(path: Path, samples: np.ndarray, audio: str, muxer: str, chunk: int) -> Path:
    """An AVI (MPEG-4 video) whose audio packets are ``chunk`` bytes cut anywhere in frames.

    Older muxers wrote audio like this; the demuxer then hands out packets that do not start
    at a codec frame, which only a codec parser can put back together.
    """
    data = elementary_stream(samples, audio, muxer)
    _, rate, layout, _ = AUDIO_CODECS[audio]
    seconds = len(samples) / SPEECH_RATE
    with av.open(str(path), "w", format="avi") as container:
        vstream = container.add_stream("mpeg4", rate=FPS)
        vstream.width, vstream.height, vstream.pix_fmt = SIDE_PX, SIDE_PX, "yuv420p"
        codec = {"libmp3lame": "mp3"}.get(AUDIO_CODECS[audio][0], AUDIO_CODECS[audio][0])
        astream = container.add_stream(codec, rate=rate)
        astream.layout = layout
        for i in range(max(1, round(seconds * FPS))):
            frame = av.VideoFrame.from_ndarray(np.full((SIDE_PX, SIDE_PX, 3), 90, np.uint8))
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            container.mux(vstream.encode(frame))
        container.mux(vstream.encode())
        for start in range(0, len(data), chunk):
            packet = av.Packet(data[start : start + chunk])
            packet.stream = astream
            container.mux(packet)
    return path


def damaged(source: Path, target: Path, kind: str, seed: int = 14) -> Path:
    """A damaged copy of ``source``: ``truncated``, ``zeroed`` middle, ``flipped`` bytes, or
    ``no_index`` (AVI and MKV only)."""
    data = bytearray(source.read_bytes())
    size = len(data)
    if kind == "truncated":
        data = data[: size * 2 // 3]
    elif kind == "zeroed":
        data[size * 2 // 5 : size * 3 // 5] = bytes(size * 3 // 5 - size * 2 // 5)
    elif kind == "flipped":
        rng = np.random.default_rng(seed)
        # the first kilobyte holds the headers: damage the payload, as a bad disk would
        for offset in rng.integers(1024, size, size // 200):
            data[int(offset)] ^= 0xFF
    elif kind == "no_index":
        # AVI's idx1 chunk and Matroska's Cues element come last in files PyAV writes
        marker = {".avi": b"idx1", ".mkv": b"\x1c\x53\xbb\x6b"}[source.suffix]
        data = data[: data.rindex(marker)]
    else:
        raise ValueError(kind)
    target.write_bytes(bytes(data))
    return target


LARGE_VIDEO_CODECS = {"h264": ("libx264", "yuv420p"), "mjpeg": ("mjpeg", "yuvj420p")}


def large_video(path: Path, codec: str, width: int, height: int, frames: int = 10) -> Path:
    """A moving grey ramp of any size (4K, 8K), written straight into the codec's pixel
    format: no RGB conversion, so even 8K takes a few seconds."""
    encoder, pix_fmt = LARGE_VIDEO_CODECS[codec]
    ramp = np.linspace(16, 235, width, dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(encoder, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if encoder == "libx264":
            stream.options = {"preset": "ultrafast"}
        for index in range(frames):
            frame = av.VideoFrame(width, height, pix_fmt)
            luma = frame.planes[0]
            rows = np.zeros((height, luma.line_size), np.uint8)
            rows[:, :width] = np.roll(ramp, index * 32)
            luma.update(rows.tobytes())
            for chroma in frame.planes[1:]:
                chroma.update(bytes([128]) * chroma.buffer_size)
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path
