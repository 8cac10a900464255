"""Emotion hints from free-text clue descriptions (the evaluation harness's input).

Service clue reports carry structured ``emotion_hints``; descriptions written by people or
other systems do not, so hints are read from the prose: emotion words (via the vocabulary,
with negation) plus behaviour cues annotators use ("frowning", "raised voice"), in English
and Chinese. Written by the project from common annotation practice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from emer_common.vocabulary import EmotionVocabulary

# behaviour phrase -> (emotion, strength); matched as substrings of lower-cased text
BEHAVIOUR_CUES: Mapping[str, tuple[tuple[str, float], ...]] = {
    "smil": (("happy", 0.6),),
    "laugh": (("happy", 0.7),),
    "grin": (("happy", 0.5),),
    "mouth corners turn up": (("happy", 0.5),),
    "corners of the mouth turn up": (("happy", 0.5),),
    "frown": (("angry", 0.4), ("worried", 0.3)),
    "furrow": (("worried", 0.4), ("angry", 0.3)),
    "brows lowered": (("angry", 0.4),),
    "glare": (("angry", 0.6),),
    "stare": (("angry", 0.3),),
    "shout": (("angry", 0.7),),
    "yell": (("angry", 0.7),),
    "roar": (("angry", 0.8),),
    "loud": (("angry", 0.3),),
    "raised voice": (("angry", 0.5),),
    "cry": (("sad", 0.7),),
    "tears": (("sad", 0.7),),
    "sob": (("sad", 0.8),),
    "sigh": (("sad", 0.4), ("tired", 0.3)),
    "low voice": (("sad", 0.4),),
    "voice is low": (("sad", 0.4),),
    "heavy": (("sad", 0.3),),
    "corners of the mouth turn down": (("sad", 0.5),),
    "mouth corners turn down": (("sad", 0.5),),
    "trembl": (("afraid", 0.5), ("worried", 0.4)),
    "shak": (("afraid", 0.3),),
    "wide eyes": (("surprised", 0.5),),
    "eyes wide": (("surprised", 0.5),),
    "jaw drop": (("surprised", 0.6),),
    "gasp": (("surprised", 0.6),),
    "hesitat": (("worried", 0.4),),
    "pause": (("worried", 0.2),),
    "thank": (("grateful", 0.6),),
    "sorry": (("guilty", 0.4),),
    "apolog": (("guilty", 0.5),),
    "sneer": (("contemptuous", 0.6),),
    "eye roll": (("contemptuous", 0.5),),
    "rolls his eyes": (("contemptuous", 0.5),),
    "rolls her eyes": (("contemptuous", 0.5),),
}

CHINESE_CUES: Mapping[str, tuple[tuple[str, float], ...]] = {
    "微笑": (("happy", 0.6),),
    "笑": (("happy", 0.5),),
    "开心": (("happy", 0.8),),
    "高兴": (("happy", 0.8),),
    "快乐": (("happy", 0.8),),
    "兴奋": (("excited", 0.8),),
    "感激": (("grateful", 0.8),),
    "感谢": (("grateful", 0.7),),
    "皱眉": (("worried", 0.4), ("angry", 0.3)),
    "愤怒": (("angry", 0.9),),
    "生气": (("angry", 0.8),),
    "怒": (("angry", 0.6),),
    "大声": (("angry", 0.4),),
    "吼": (("angry", 0.7),),
    "不满": (("dissatisfied", 0.7),),
    "担心": (("worried", 0.8),),
    "担忧": (("worried", 0.8),),
    "焦虑": (("worried", 0.8),),
    "紧张": (("nervous", 0.7),),
    "害怕": (("afraid", 0.8),),
    "恐惧": (("afraid", 0.9),),
    "难过": (("sad", 0.8),),
    "悲伤": (("sad", 0.9),),
    "伤心": (("sad", 0.8),),
    "哭": (("sad", 0.7),),
    "失望": (("disappointed", 0.8),),
    "惊讶": (("surprised", 0.8),),
    "吃惊": (("surprised", 0.8),),
    "震惊": (("surprised", 0.8),),
    "厌恶": (("disgusted", 0.8),),
    "无奈": (("helpless", 0.7),),
    "疑惑": (("confused", 0.7),),
    "平静": (("relaxed", 0.5),),
}

CHINESE_NEGATORS = ("不", "没", "未", "别")
NEGATORS = frozenset({"not", "no", "never", "without", "hardly", "nor"})
TOKEN = re.compile(r"[a-z']+")
WORD_STRENGTH = 0.7  # an emotion named outright in a clue
NEGATION_WINDOW = 3  # tokens before a word that can negate it


def hints_from_text(text: str, vocabulary: EmotionVocabulary) -> dict[str, float]:
    """Emotion words supported by a free-text clue, with 0-1 strengths."""
    hints: dict[str, float] = {}

    def add(word: str, strength: float) -> None:
        base = vocabulary.normalize(word)
        if base is not None:
            hints[base] = min(1.0, hints.get(base, 0.0) + strength)

    lowered = text.lower()
    tokens = TOKEN.findall(lowered)
    for index, token in enumerate(tokens):
        base = vocabulary.normalize(token)
        window = tokens[max(0, index - NEGATION_WINDOW) : index]
        if base and not any(t in NEGATORS or t.endswith("n't") for t in window):
            add(base, WORD_STRENGTH)
    for cue, emotions in BEHAVIOUR_CUES.items():
        if cue in lowered:
            for word, strength in emotions:
                add(word, strength)
    for cue, emotions in CHINESE_CUES.items():
        for match in re.finditer(cue, text):
            if text[max(0, match.start() - 1) : match.start()] in CHINESE_NEGATORS:
                continue
            for word, strength in emotions:
                add(word, strength)
            break
    return hints
