"""English linguistic cues: emotion words with negation and intensity, and speech acts.

Self-reports count fully ("I'm so worried"), words about the listener or a third person count
less ("the person is happy" says little about the speaker), and a negated emotion word is
turned around ("not happy" reads as unhappy, never as happy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from emer_common.contracts import Evidence, ModelInfo
from emer_common.vocabulary import EmotionVocabulary
from emer_text import en_markers as m
from emer_text.backends.base import CueKind, LinguisticCue, Reading, TextInput
from emer_text.negation import NEGATED_POSITIVE_STRENGTH, negated_meaning
from emer_text.settings import TextSettings

EMOTION_WORD_STRENGTH = 0.7
INTENSIFIED_FACTOR = 1.3
DIMINISHED_FACTOR = 0.6
NEGATION_WINDOW = 3  # words before an emotion word that can negate it
INTENSIFIER_WINDOW = 2  # words before an emotion word that can intensify it


class Subject(Enum):
    SELF = 1.0
    LISTENER = 0.6
    OTHER = 0.3


TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[.,;:!?]")
CLAUSE_BREAK = frozenset({".", ",", ";", ":", "!", "?", "but"})


@dataclass
class _Accumulator:
    hints: dict[str, float]
    cues: list[LinguisticCue]
    negated: set[str]

    def hint(self, word: str, strength: float) -> None:
        self.hints[word] = max(self.hints.get(word, 0.0), round(min(strength, 1.0), 4))

    def cue(self, kind: CueKind, text: str, phrase: str) -> None:
        if all(c.phrase != phrase for c in self.cues):
            self.cues.append(LinguisticCue(kind, text, phrase))


def _is_negator(token: str) -> bool:
    return token in m.NEGATORS or token.endswith("n't")


def _clause_before(tokens: list[str], index: int) -> list[str]:
    start = index
    while start > 0 and tokens[start - 1] not in CLAUSE_BREAK:
        start -= 1
    return tokens[start:index]


def _subject(before: list[str]) -> Subject:
    for token in reversed(before):
        if token in m.FIRST_PERSON:
            return Subject.SELF
        if token in m.SECOND_PERSON:
            return Subject.LISTENER
        if token in m.THIRD_PERSON:
            return Subject.OTHER
    return Subject.SELF  # elliptic exclamations ("So happy!") speak for the speaker


class EnglishRulesBackend:
    """Rule-based English cues; no model weights, written for emer."""

    name = "en_rules"
    languages = frozenset({"en"})

    def __init__(self, vocabulary: EmotionVocabulary | None = None) -> None:
        self._vocabulary = vocabulary or EmotionVocabulary.default()
        self._forms = {
            form: base
            for form, base in self._vocabulary.forms().items()
            if form not in m.AMBIGUOUS_FORMS and " " not in form
        }
        self.info = ModelInfo(component="text", backend=self.name, model="emer English cue rules")

    @classmethod
    def from_settings(cls, settings: TextSettings) -> EnglishRulesBackend:
        del settings
        return cls()

    def _base_word(self, token: str) -> str | None:
        if token in self._forms:
            return self._forms[token]
        for suffix, replacement in (("ier", "y"), ("er", ""), ("est", ""), ("ly", "")):
            if token.endswith(suffix) and token[: -len(suffix)] + replacement in self._forms:
                return self._forms[token[: -len(suffix)] + replacement]
        return None

    def read(self, text: TextInput) -> Reading:
        acc = _Accumulator(hints={}, cues=[], negated=set())
        for sentence in text.sentences:
            self._read_sentence(sentence.strip(), acc)
        return Reading(
            backend=self.name,
            hints=acc.hints,
            cues=tuple(acc.cues),
            evidence=tuple(
                Evidence(name=f"cue_{cue.kind.value}", value=cue.text) for cue in acc.cues
            ),
            negated=frozenset(acc.negated),
            sees_negation=True,
        )

    def _read_sentence(self, original: str, acc: _Accumulator) -> None:
        sentence = original.lower().replace("\u2019", "'")
        # Cite markers as written when lower-casing kept every offset (it nearly always does).
        cased = original if len(original) == len(sentence) else sentence
        tokens = TOKEN.findall(sentence)
        words = [t for t in tokens if t not in CLAUSE_BREAK or t == "but"]
        stripped = sentence.strip()
        intensified = self._intensity_cues(stripped, words, acc)
        for index, token in enumerate(tokens):
            base = self._base_word(token)
            if base is not None:
                self._emotion_word(tokens, index, base, acc)
        for marker in m.MARKERS:
            for match in marker.pattern.finditer(stripped):
                said = cased[match.start() : match.end()]
                before = TOKEN.findall(stripped[: match.start()])
                if marker.negatable and any(_is_negator(t) for t in before[-NEGATION_WINDOW:]):
                    acc.cue(CueKind.NEGATION, said, f"'{said}' is negated")
                    continue
                acc.cue(marker.kind, said, marker.phrase.format(m=said))
                if marker.hint:
                    factor = INTENSIFIED_FACTOR if intensified else 1.0
                    acc.hint(marker.hint, marker.strength * factor)
        if stripped.endswith("?"):
            acc.cue(CueKind.QUESTION, "?", "it asks a question")
        if "!" in stripped:
            acc.cue(CueKind.EXCLAMATION, "!", "it is exclamatory")
        address = next((t for t in tokens if t in m.SECOND_PERSON), None)
        vocative = m.VOCATIVES.match(stripped)
        addressee = vocative.group(0) if vocative else address
        if addressee:
            acc.cue(CueKind.ADDRESS, addressee, f"it addresses someone directly ('{addressee}')")

    def _intensity_cues(self, sentence: str, words: list[str], acc: _Accumulator) -> bool:
        found = [w for w in words if w in m.STANDALONE_INTENSIFIERS]
        exclamative = m.EXCLAMATIVE.match(sentence)
        if exclamative and not sentence.endswith("?"):
            found.append(exclamative.group(1))
        for word in found:
            acc.cue(CueKind.INTENSIFIER, word, f"the word '{word}' intensifies the emotion")
        emphasis = m.NEGATION_EMPHASIS.search(sentence)
        if emphasis and any(_is_negator(w) for w in words):
            said = emphasis.group(0)
            acc.cue(CueKind.INTENSIFIER, said, f"'{said}' strengthens the negation")
        for match in m.DIMINISHERS.finditer(sentence):
            acc.cue(CueKind.DIMINISHER, match.group(0), f"'{match.group(0)}' softens it")
        return bool(found)

    def _emotion_word(self, tokens: list[str], index: int, base: str, acc: _Accumulator) -> None:
        word = tokens[index]
        before = _clause_before(tokens, index)
        negator = next((t for t in reversed(before[-NEGATION_WINDOW:]) if _is_negator(t)), None)
        strength = EMOTION_WORD_STRENGTH
        if any(t in m.INTENSIFIERS for t in before[-INTENSIFIER_WINDOW:]):
            strength *= INTENSIFIED_FACTOR
        window = " ".join(before[-INTENSIFIER_WINDOW - 1 :])
        if m.DIMINISHERS.search(window):
            strength *= DIMINISHED_FACTOR
        subject = _subject(before)
        if negator is not None:
            acc.negated.add(base)
            acc.cue(CueKind.NEGATION, f"{negator} {word}", f"'{negator}' negates '{word}'")
            opposite = negated_meaning(base, self._vocabulary)
            if opposite is not None:
                acc.hint(opposite, NEGATED_POSITIVE_STRENGTH * subject.value)
            return
        acc.cue(CueKind.EMOTION_WORD, word, f"it names the emotion '{word}'")
        acc.hint(base, strength * subject.value)
