"""Chinese emotion words with negation and degree adverbs, from emer's own lexicon.

``data/zh_emotion_lexicon.csv`` was written for emer (about 200 common words and phrases,
each mapped to a base word of emer's vocabulary with a 0-1 strength), so it is
redistributable under the project's licence. Rows with an empty word shadow look-alikes
("哪怕", "even if", is not "怕", "afraid"). Matching is longest-first over the characters,
which needs no word segmenter: a term that starts with a negator ("不满", "不安") is matched
as itself before "不" can negate what follows.
"""

from __future__ import annotations

import csv
import re
from importlib import resources

from emer_common.contracts import Evidence, ModelInfo
from emer_common.vocabulary import EmotionVocabulary
from emer_text.backends.base import CueKind, LinguisticCue, Reading, TextInput
from emer_text.negation import NEGATED_POSITIVE_STRENGTH, negated_meaning
from emer_text.settings import TextSettings

LEXICON_FILE = "data/zh_emotion_lexicon.csv"
PREFIX_WINDOW = 6  # characters before a term searched for negators and degree adverbs
INTENSIFIED_FACTOR = 1.3
DIMINISHED_FACTOR = 0.6

CLAUSE_BREAK = re.compile(r"[，,。.！!？?；;：:、…\s]")
NEGATION = re.compile(
    r"(不|没有|没|别|未|无|非|并不|从不|绝不|毫不)(是|太|怎么|再|会|用|要|必|大)?"
    r"(很|太|那么|这么|特别|非常|多)?$"
)
INTENSIFIER_BEFORE = re.compile(
    r"(很|非常|太|真的|真|特别|超级|超|极其|十分|挺|多么|好|最|那么|这么|如此|格外|相当|好好)$"
)
INTENSIFIER_AFTER = re.compile(r"^(极了|死了|坏了|得很|得要命|透了)")
DIMINISHER_BEFORE = re.compile(r"(有点儿?|有些|稍微|有一点儿?|一点儿?|略)$")
EXCLAMATIVE = re.compile(r"多么|太.{1,4}了")

SPEECH_ACTS: tuple[tuple[CueKind, re.Pattern[str], str | None, float, str], ...] = (
    (CueKind.THANKS, re.compile(r"谢谢|感谢|多谢|谢了|谢啦"), "grateful", 0.75,
     "it thanks someone ('{m}')"),
    (CueKind.APOLOGY, re.compile(r"对不起|抱歉|不好意思|原谅我|我的错|请原谅"), "guilty", 0.6,
     "it apologizes ('{m}')"),
    (CueKind.REFUSAL, re.compile(r"不要|不行|不用了|算了|别管|不可能|没门|我不去"), "reluctant",
     0.35, "it refuses ('{m}')"),
    (CueKind.REFUSAL, re.compile(r"^别"), "annoyed", 0.35,
     "it tells someone not to do something ('{m}')"),
    (CueKind.SARCASM, re.compile(r"(?<!呵)呵呵(?!呵)|你可真行|真有你的|真是服了"), "sarcastic",
     0.4, "'{m}' may be sarcastic"),
)  # fmt: skip
QUESTION = re.compile(r"([？?]|[吗呢吧][。.…]*)$")
ADDRESS = re.compile(r"你们|你|您|妈妈|爸爸|老公|老婆|宝贝|亲爱的")


def load_lexicon() -> dict[str, tuple[str, float]]:
    """Term -> (base word, strength) from the packaged CSV."""
    text = resources.files("emer_text").joinpath(LEXICON_FILE).read_text("utf-8")
    return {
        row["term"]: (row["word"], float(row["strength"]))
        for row in csv.DictReader(text.splitlines())
    }


class ChineseLexiconBackend:
    """Lexicon reading of Chinese text; also flags thanks, apologies, questions, address."""

    name = "zh_lexicon"
    languages = frozenset({"zh"})

    def __init__(self, vocabulary: EmotionVocabulary | None = None) -> None:
        self._vocabulary = vocabulary or EmotionVocabulary.default()
        self._lexicon = load_lexicon()
        self._longest = max(len(term) for term in self._lexicon)
        self.info = ModelInfo(
            component="text",
            backend=self.name,
            model=f"emer Chinese emotion lexicon ({len(self._lexicon)} terms)",
        )

    @classmethod
    def from_settings(cls, settings: TextSettings) -> ChineseLexiconBackend:
        del settings
        return cls()

    def matches(self, sentence: str) -> list[tuple[int, int, str]]:
        """(start, end, term) of lexicon terms, longest match first, left to right."""
        found: list[tuple[int, int, str]] = []
        index = 0
        while index < len(sentence):
            for length in range(min(self._longest, len(sentence) - index), 0, -1):
                term = sentence[index : index + length]
                if term in self._lexicon:
                    found.append((index, index + length, term))
                    index += length
                    break
            else:
                index += 1
        return found

    def read(self, text: TextInput) -> Reading:
        hints: dict[str, float] = {}
        cues: list[LinguisticCue] = []
        negated: set[str] = set()

        def hint(word: str, strength: float) -> None:
            hints[word] = max(hints.get(word, 0.0), round(min(strength, 1.0), 4))

        def cue(kind: CueKind, said: str, phrase: str) -> None:
            if all(c.phrase != phrase for c in cues):
                cues.append(LinguisticCue(kind, said, phrase))

        for sentence in text.sentences:
            for start, end, term in self.matches(sentence):
                prefix = CLAUSE_BREAK.split(sentence[max(0, start - PREFIX_WINDOW) : start])[-1]
                word, strength = self._lexicon[term]
                if not word:
                    continue
                negation = NEGATION.search(prefix)
                if negation:
                    negated.add(word)
                    cue(
                        CueKind.NEGATION,
                        negation.group(0) + term,
                        f"'{negation.group(0)}' negates '{term}'",
                    )
                    opposite = negated_meaning(word, self._vocabulary)
                    if opposite is not None:
                        hint(opposite, NEGATED_POSITIVE_STRENGTH)
                    continue
                before = INTENSIFIER_BEFORE.search(prefix)
                after = INTENSIFIER_AFTER.match(sentence[end:])
                degree = before or after
                if degree:
                    strength *= INTENSIFIED_FACTOR
                    cue(
                        CueKind.INTENSIFIER,
                        degree.group(0),
                        f"the word '{degree.group(0)}' intensifies the emotion",
                    )
                elif DIMINISHER_BEFORE.search(prefix):
                    strength *= DIMINISHED_FACTOR
                cue(CueKind.EMOTION_WORD, term, f"'{term}' suggests feeling {word}")
                hint(word, strength)
            for kind, pattern, word_hint, strength, phrase in SPEECH_ACTS:
                for match in pattern.finditer(sentence):
                    cue(kind, match.group(0), phrase.format(m=match.group(0)))
                    if word_hint:
                        hint(word_hint, strength)
            exclamative = EXCLAMATIVE.search(sentence)
            if exclamative:
                cue(
                    CueKind.INTENSIFIER,
                    exclamative.group(0),
                    f"'{exclamative.group(0)}' intensifies the emotion",
                )
            if QUESTION.search(sentence):
                cue(CueKind.QUESTION, "？", "it asks a question")
            if re.search(r"[！!]", sentence):
                cue(CueKind.EXCLAMATION, "！", "it is exclamatory")
            address = ADDRESS.search(sentence)
            if address:
                cue(
                    CueKind.ADDRESS,
                    address.group(0),
                    f"it addresses someone directly ('{address.group(0)}')",
                )
        return Reading(
            backend=self.name,
            hints=hints,
            valence=self._valence(hints),
            cues=tuple(cues),
            evidence=tuple(Evidence(name=f"cue_{c.kind.value}", value=c.text) for c in cues),
            negated=frozenset(negated),
            sees_negation=True,
        )

    def _valence(self, hints: dict[str, float]) -> float | None:
        """Strength-weighted mean valence of the hints; None without hints."""
        weighted = [
            (strength, self._vocabulary.valence(word) or 0.0) for word, strength in hints.items()
        ]
        total = sum(strength for strength, _ in weighted)
        if total == 0.0:
            return None
        return round(sum(strength * valence for strength, valence in weighted) / total, 4)
