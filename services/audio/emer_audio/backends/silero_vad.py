"""Silero VAD (MIT licence) as shipped inside faster-whisper, run through onnxruntime."""

from __future__ import annotations

from importlib.metadata import version

from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

from emer_audio.backends.base import FloatArray, SpeechSegment
from emer_audio.settings import AudioSettings
from emer_common.contracts import ModelInfo

# Silence shorter than a pause (Goldman-Eisler's 250 ms, see norms.PAUSE_MIN_S) does not split
# a segment, so segments are inter-pausal units.
MIN_SILENCE_MS = 250
SPEECH_PAD_MS = 30  # ms; small, so that pause durations stay close to the true gaps
MIN_SPEECH_MS = 120  # ms; shorter blips are clicks or breaths, not speech


class SileroVad:
    """Speech segments from Silero's per-32 ms speech probabilities."""

    def __init__(self) -> None:
        get_vad_model()  # load the ONNX session now, once, not on the first clip
        self._info = ModelInfo(
            component="vad",
            backend="onnxruntime",
            model="silero-vad-v6 (faster-whisper assets)",
            version=version("faster-whisper"),
        )

    @classmethod
    def from_settings(cls, settings: AudioSettings) -> SileroVad:
        return cls()

    @property
    def info(self) -> ModelInfo:
        return self._info

    def detect(
        self, samples: FloatArray, sample_rate: int, threshold: float
    ) -> tuple[SpeechSegment, ...]:
        options = VadOptions(
            threshold=threshold,
            min_silence_duration_ms=MIN_SILENCE_MS,
            speech_pad_ms=SPEECH_PAD_MS,
            min_speech_duration_ms=MIN_SPEECH_MS,
        )
        stamps = get_speech_timestamps(samples, options, sampling_rate=sample_rate)
        return tuple(
            SpeechSegment(stamp["start"] / sample_rate, stamp["end"] / sample_rate)
            for stamp in stamps
        )
