"""Plutchik's eight emotions from nade (MIT): fastText emoji prediction + LightGBM regressors.

nade unpacks its gzipped regressors (about 12 MB) into its own package folder the first time
it loads. In a read-only image that fails, so images run ``python -m emer_text.warm`` at build
time; ``NadeBackend`` checks first and says so instead of failing deep inside nade.
"""

from __future__ import annotations

import logging
import os
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np

from emer_common.contracts import Evidence, ModelInfo
from emer_common.packaged import packaged_file
from emer_text.backends.base import BackendUnavailable, Reading, TextInput
from emer_text.settings import TextSettings

log = logging.getLogger(__name__)

NADE_MODEL = "socialmedia_en"
PLUTCHIK = ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust")

EMOJI_FEATURES = 151  # nade's stage-one output: the probability of each of its 151 emojis
NADE_FLOOR = 0.25
"""nade gives up to about 0.3 on plainly neutral sentences ("The meeting is at three o'clock"
scores anticipation 0.29): scores below this floor carry no emotion and are rescaled away."""

MILD_BELOW = 0.5
"""Plutchik's wheel names a milder emotion for the weak end of some petals."""
MILD_WORD = {"anger": "annoyed", "fear": "worried", "anticipation": "curious"}
FULL_WORD = {
    "anger": "angry",
    "anticipation": "anticipating",
    "disgust": "disgusted",
    "fear": "afraid",
    "joy": "happy",
    "sadness": "sad",
    "surprise": "surprised",
    "trust": "trusting",
}


def nade_data_dir() -> Path:
    """Where nade keeps its models, located without importing it."""
    return packaged_file("nade", f"data/{NADE_MODEL}")


def nade_is_unpacked() -> bool:
    data = nade_data_dir()
    return all((data / f"reg_{label}.txt").is_file() for label in PLUTCHIK)


def warm_nade() -> None:
    """Unpack nade's regressors now (image build / test fixture) instead of on first use."""
    from nade import Nade

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # nade warns "unpack X model" per file
        Nade(NADE_MODEL)


def plutchik_to_hints(scores: dict[str, float]) -> dict[str, float]:
    """Map nade's 0-1 Plutchik scores to vocabulary base words, removing the neutral floor."""
    hints: dict[str, float] = {}
    for label, score in scores.items():
        strength = (score - NADE_FLOOR) / (1.0 - NADE_FLOOR)
        if strength <= 0.0:
            continue
        word = MILD_WORD.get(label, FULL_WORD[label]) if score < MILD_BELOW else FULL_WORD[label]
        hints[word] = max(hints.get(word, 0.0), round(strength, 4))
    return hints


class NadeBackend:
    """English emotion intensities for Plutchik's eight basic emotions."""

    name = "nade"
    languages = frozenset({"en"})

    def __init__(self) -> None:
        data = nade_data_dir()
        if not nade_is_unpacked() and not os.access(data, os.W_OK):
            raise BackendUnavailable(
                f"nade's models are not unpacked and {data} is read-only; run "
                "`python -m emer_text.warm` when building the image"
            )
        from nade import Nade

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            self._nade = Nade(NADE_MODEL)
        self.info = ModelInfo(
            component="text", backend=self.name, model=f"nade/{NADE_MODEL}", version=version("nade")
        )

    @classmethod
    def from_settings(cls, settings: TextSettings) -> NadeBackend:
        del settings
        return cls()

    def scores(self, text: str) -> dict[str, float]:
        """nade's raw 0-1 score per Plutchik emotion (same values as ``Nade.predict``).

        ``Nade.predict`` lets LightGBM start one OpenMP thread per core for a single row;
        on a busy 2-core machine that took about 95 ms a text instead of 2-4 ms with one
        thread, so the regressors are called here with ``num_threads=1``.
        """
        confidences, _ = self._nade.predict_emojis([text], sort_by_key=True, k=EMOJI_FEATURES)[0]
        rows = np.asarray([confidences.to_numpy()])
        return {
            label: round(
                min(max(float(self._nade.gb_reg[label].predict(rows, num_threads=1)[0]), 0.0), 1.0),
                3,
            )
            for label in PLUTCHIK
        }

    def read(self, text: TextInput) -> Reading:
        scores = self.scores(text.text)
        return Reading(
            backend=self.name,
            hints=plutchik_to_hints(scores),
            evidence=tuple(
                Evidence(name=f"nade_{label}", value=score, norm="0-1 Plutchik intensity")
                for label, score in scores.items()
                if score > 0.0
            ),
        )
