"""The audio domain entry point: one time window of a media file in, audio clues out.

``AudioAnalyzer.from_settings`` loads every model once; ``analyze`` then decodes the window,
finds the speech, transcribes it, measures its prosody and writes the clues. It imports
nothing from the bus, so it is tested and benchmarked without one.
"""

from __future__ import annotations

import dataclasses
import logging
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import torch

from emer_audio import norms
from emer_audio.backends.base import (
    Recognition,
    SpeechEmotionClassifier,
    SpeechRecognizer,
    SpeechSegment,
    VoiceActivityDetector,
)
from emer_audio.backends.registry import ASR_BACKENDS, EMOTION_BACKENDS, VAD_BACKENDS
from emer_audio.decode import AudioWindow, decode_audio_window
from emer_audio.describe import rate_ratio, read_prosody
from emer_audio.evidence import (
    model_evidence,
    prosody_evidence,
    recognition_evidence,
    word_evidence,
)
from emer_audio.hints import (
    arousal,
    arousal_sentence,
    merge_hints,
    model_hints,
    prosody_hints,
)
from emer_audio.prosody import measure_prosody
from emer_audio.settings import AudioSettings
from emer_common.contracts import ClueStatus, Evidence, ModelInfo, Word
from emer_common.findings import ModalityFindings, SpeechTranscript
from emer_common.vocabulary import EmotionVocabulary

log = logging.getLogger(__name__)

VAD_RETRY_FACTOR = 0.5  # a second, more permissive VAD pass before calling a clip speechless


def _emer_version() -> str:
    try:
        return version("emer")
    except PackageNotFoundError:
        return "0"


class AudioAnalyzer:
    """Loaded audio models plus the analysis of one clip window."""

    def __init__(
        self,
        settings: AudioSettings,
        vad: VoiceActivityDetector,
        asr: SpeechRecognizer,
        emotion: SpeechEmotionClassifier | None = None,
    ) -> None:
        self.settings = settings
        self.vad = vad
        self.asr = asr
        self.emotion = emotion
        self.vocabulary = EmotionVocabulary.default()
        prosody = ModelInfo(
            component="prosody",
            backend="emer",
            model="yin-f0 + bs1770-loudness + jitter/shimmer",
            version=_emer_version(),
        )
        extra = (emotion.info,) if emotion is not None else ()
        self.models: tuple[ModelInfo, ...] = (vad.info, asr.info, prosody, *extra)

    @classmethod
    def from_settings(cls, settings: AudioSettings) -> AudioAnalyzer:
        """Load the configured backends once (seconds); reuse the analyzer for every clip."""
        torch.set_num_threads(settings.cpu_threads)
        emotion = (
            EMOTION_BACKENDS.create(settings.emotion_backend, settings)
            if settings.emotion_backend
            else None
        )
        return cls(
            settings,
            vad=VAD_BACKENDS.create(settings.vad_backend, settings),
            asr=ASR_BACKENDS.create(settings.asr_backend, settings),
            emotion=emotion,
        )

    def analyze(
        self, path: Path, start_s: float, end_s: float | None
    ) -> tuple[ModalityFindings, SpeechTranscript | None]:
        """Audio clues of ``[start_s, end_s)`` of ``path`` and its transcript (None: no speech).

        Raises ``emer_common.media.MediaError`` when the file cannot be decoded.
        """
        window = decode_audio_window(
            path, start_s, end_s, self.settings.max_window_s, self.settings.stream_languages
        )
        if window is None:
            return ModalityFindings.no_signal(
                "no_audio_track", "The clip has no audio track.", self.models
            ), None
        if len(window.samples) == 0:
            return ModalityFindings.no_signal(
                "no_audio_in_window",
                f"The audio track holds no samples between {start_s:.2f} s and "
                f"{end_s if end_s is not None else 'the end'} s.",
                self.models,
            ), None
        peak = float(np.max(np.abs(window.samples)))
        peak_dbfs = 20 * np.log10(max(peak, 1e-10))
        level = Evidence(
            name="peak_level",
            value=round(peak_dbfs, 1),
            unit="dBFS",
            norm=f"silence below {norms.SILENCE_PEAK_DBFS:.0f} dBFS (emer)",
        )
        if peak_dbfs < norms.SILENCE_PEAK_DBFS:
            findings = ModalityFindings.no_signal(
                "silence",
                f"The audio is silent: its loudest sample is {peak_dbfs:.0f} dBFS.",
                self.models,
            )
            return dataclasses.replace(findings, evidence=(level,)), None
        segments = self._speech_segments(window)
        if not segments:
            findings = ModalityFindings.no_signal(
                "no_speech",
                f"The audio has sound (peak {peak_dbfs:.0f} dBFS) but no speech was detected.",
                self.models,
            )
            return dataclasses.replace(findings, evidence=(level,)), None
        recognition = self.asr.transcribe(window.samples, window.sample_rate)
        findings = self._describe(window, segments, recognition)
        transcript = self._transcript(window, recognition)
        if transcript is not None:
            evidence = findings.evidence + tuple(word_evidence(transcript.words))
            findings = dataclasses.replace(findings, evidence=evidence)
        return findings, transcript

    def _speech_segments(self, window: AudioWindow) -> tuple[SpeechSegment, ...]:
        threshold = self.settings.vad_threshold
        segments = self.vad.detect(window.samples, window.sample_rate, threshold)
        if not segments:
            segments = self.vad.detect(
                window.samples, window.sample_rate, threshold * VAD_RETRY_FACTOR
            )
        return segments

    def _describe(
        self,
        window: AudioWindow,
        segments: tuple[SpeechSegment, ...],
        recognition: Recognition,
    ) -> ModalityFindings:
        features = measure_prosody(window.samples, window.sample_rate, segments, recognition.words)
        reading = read_prosody(features, recognition.language)
        arousal_score = arousal(reading)
        evidence = prosody_evidence(
            features,
            segments,
            window.start_s,
            rate_ratio(features, recognition.language),
            arousal_score,
        )
        evidence += recognition_evidence(recognition)
        hints = prosody_hints(reading)
        description = " ".join(
            part for part in (reading.description, arousal_sentence(arousal_score)) if part
        )
        if self.emotion is not None:
            probabilities = self.emotion.classify(window.samples, window.sample_rate)
            evidence += model_evidence(probabilities)
            hints = merge_hints(
                hints, model_hints(probabilities, self.settings.emotion_weight, self.vocabulary)
            )
            top = max(probabilities, key=probabilities.__getitem__)
            description += (
                f" A speech-emotion model rates the voice as {top} (p={probabilities[top]:.2f})."
            )
        if window.decoded_share < 1.0:
            evidence.append(
                Evidence(
                    name="decoded_share",
                    value=round(window.decoded_share, 3),
                    norm="share of the window's audio packets that decoded; 1 when none is damaged",
                )
            )
            description += (
                f" Part of the audio is damaged: {window.decoded_share:.0%} of it decoded, and "
                "these clues describe that part only."
            )
        if window.truncated:
            evidence.append(
                Evidence(
                    name="analysed_until",
                    value=round(window.start_s + window.duration_s, 2),
                    unit="s",
                    norm="max_window_s reached",
                )
            )
        return ModalityFindings(
            status=ClueStatus.OK,
            description=description,
            cues=reading.cues,
            emotion_hints=merge_hints(hints),
            evidence=tuple(evidence),
            models=self.models,
        )

    def _transcript(self, window: AudioWindow, recognition: Recognition) -> SpeechTranscript | None:
        if not recognition.text.strip():
            return None
        offset = window.start_s
        words = tuple(
            Word(
                word=w.word,
                start_s=round(offset + w.start_s, 3),
                end_s=round(offset + w.end_s, 3),
                probability=w.probability,
            )
            for w in recognition.words
        )
        return SpeechTranscript(
            text=recognition.text,
            language=recognition.language,
            words=words,
            model=self.asr.info,
        )
