"""Emotion hints from prosody (weak evidence) and from an optional speech-emotion model.

Prosody mainly signals arousal: across studies, anger, fear and joy go with raised pitch, fast
tempo and high intensity, sadness and tenderness with low pitch, slow tempo and low intensity
(Juslin & Laukka 2003, "Communication of emotions in vocal expression and music performance",
Psychological Bulletin 129(5), their summary of cue patterns). Valence is hardly recoverable
from these cues, so each side of the arousal axis supports several words of both valences, at
low strengths (at most ``MAX_PROSODY_HINT``), and the fusion step decides with the other
modalities.
"""

from __future__ import annotations

from collections.abc import Mapping

from emer_audio.describe import ProsodyReading
from emer_common.vocabulary import EmotionVocabulary

MAX_PROSODY_HINT = 0.4  # prosody alone never supports an emotion more strongly than this
AROUSAL_MIN = 0.2  # |arousal| below this counts as unremarkable
# Weights of the judged levels in the arousal estimate: loudness counts half, because the
# recording gain is unknown.
AROUSAL_WEIGHTS = {"pitch": 1.0, "rate": 1.0, "loudness": 0.5}
HIGH_AROUSAL_WORDS = {"excited": 0.35, "angry": 0.25, "happy": 0.2, "nervous": 0.15}
LOW_AROUSAL_WORDS = {"sad": 0.35, "tired": 0.3, "relaxed": 0.15, "worried": 0.1}
LIVELY_BONUS = {"happy": 0.1, "excited": 0.05}  # joy: high F0 variability (J&L 2003)
FLAT_LOW_BONUS = {"sad": 0.05, "tired": 0.05}  # sadness: low F0 variability (J&L 2003)
NEUTRAL_WORDS = {"neutral": 0.2, "relaxed": 0.1}
HESITANT_WORDS = {"worried": 0.15, "reluctant": 0.15, "sad": 0.05}
RISING_END_WORDS = {"curious": 0.1, "doubtful": 0.1}

# Label names of common speech-emotion checkpoints (IEMOCAP / RAVDESS / CREMA-D style
# abbreviations) mapped to emer's vocabulary; full words go through the vocabulary itself.
MODEL_LABEL_ALIASES = {
    "ang": "angry",
    "hap": "happy",
    "neu": "neutral",
    "sad": "sad",
    "exc": "excited",
    "fru": "frustrated",
    "fea": "afraid",
    "fear": "afraid",
    "fearful": "afraid",
    "sur": "surprised",
    "dis": "disgusted",
    "cal": "relaxed",
    "calm": "relaxed",
}


def arousal(reading: ProsodyReading) -> float:
    """Weighted mean of the judged levels, scaled to -1 .. 1 (0 when nothing was judged)."""
    judged = [(w, reading.level(d) / 3) for d, w in AROUSAL_WEIGHTS.items() if reading.has(d)]
    if not judged:
        return 0.0
    return sum(w * v for w, v in judged) / sum(w for w, _ in judged)


def arousal_sentence(level: float) -> str:
    """A hedged closing sentence for the description ("" when arousal is unremarkable)."""
    if level >= AROUSAL_MIN:
        strength = "clearly " if level >= 2 * AROUSAL_MIN else ""
        return f"Taken together, the delivery sounds {strength}energetic and aroused."
    if level <= -AROUSAL_MIN:
        strength = "clearly " if level <= -2 * AROUSAL_MIN else ""
        return f"Taken together, the delivery sounds {strength}subdued and low in energy."
    return ""


def prosody_hints(reading: ProsodyReading) -> dict[str, float]:
    """Emotion words the prosody supports, with conservative 0-1 strengths."""
    level = arousal(reading)
    hints: dict[str, float] = {}
    if level >= AROUSAL_MIN:
        _add(hints, HIGH_AROUSAL_WORDS, min(level, 1.0))
        if reading.level("intonation") > 0:
            _add(hints, LIVELY_BONUS, 1.0)
    elif level <= -AROUSAL_MIN:
        _add(hints, LOW_AROUSAL_WORDS, min(-level, 1.0))
        if reading.level("intonation") < 0:
            _add(hints, FLAT_LOW_BONUS, 1.0)
    elif reading.has("pitch"):
        _add(hints, NEUTRAL_WORDS, 1.0 - abs(level) / AROUSAL_MIN)
    if reading.has("pauses"):
        _add(hints, HESITANT_WORDS, 1.0)
    if reading.has("phrase_ends"):
        _add(hints, RISING_END_WORDS, 1.0)
    return {word: round(min(v, MAX_PROSODY_HINT), 3) for word, v in hints.items() if v > 0}


def model_hints(
    probabilities: Mapping[str, float], weight: float, vocabulary: EmotionVocabulary
) -> dict[str, float]:
    """A speech-emotion model's class probabilities as hints, scaled by ``weight``."""
    hints: dict[str, float] = {}
    for label, probability in probabilities.items():
        key = label.strip().lower()
        word = vocabulary.normalize(MODEL_LABEL_ALIASES.get(key, key))
        if word is not None:
            hints[word] = max(hints.get(word, 0.0), round(weight * probability, 3))
    return hints


def merge_hints(*sources: Mapping[str, float]) -> dict[str, float]:
    """Strongest support per word across sources, strongest first."""
    merged: dict[str, float] = {}
    for source in sources:
        for word, strength in source.items():
            merged[word] = max(merged.get(word, 0.0), strength)
    return dict(sorted(merged.items(), key=lambda item: -item[1]))


def _add(hints: dict[str, float], words: Mapping[str, float], scale: float) -> None:
    for word, strength in words.items():
        hints[word] = hints.get(word, 0.0) + strength * scale
