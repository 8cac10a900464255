"""English phrase markers that annotators cite: thanks, apologies, refusals, hostility...

Written for emer from common English usage (no third-party lexicon). Each marker is a regular
expression over one lower-cased sentence, the cue kind it shows, and the vocabulary base word
it supports (if any) with a 0-1 strength.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emer_text.backends.base import CueKind

NEGATORS = frozenset(
    {"not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "hardly",
     "barely", "cannot", "nowhere", "ain't"}
)  # fmt: skip
"""Plus every token ending in "n't"."""

INTENSIFIERS = frozenset(
    {"really", "very", "extremely", "totally", "absolutely", "completely", "truly",
     "incredibly", "terribly", "awfully", "utterly", "deeply", "definitely", "super", "so",
     "too", "such", "most", "highly", "especially", "quite"}
)  # fmt: skip
"""Words that strengthen an emotion word right after them ("so happy")."""

STANDALONE_INTENSIFIERS = frozenset(
    {"really", "very", "extremely", "totally", "absolutely", "completely", "truly",
     "incredibly", "terribly", "awfully", "utterly", "deeply", "definitely"}
)  # fmt: skip
"""Intensifiers unambiguous enough to cite wherever they occur ("so" and "too" are not)."""

DIMINISHERS = re.compile(
    r"(?<!\w)(a (?:little )?bit|a little|slightly|somewhat|kind of|sort of)(?!\w)"
)

NEGATION_EMPHASIS = re.compile(r"(?<!\w)(at all|whatsoever|one bit)(?!\w)")

EXCLAMATIVE = re.compile(r"^(how|what an?|such an?)\s+\w+")
"""'How precious it is' intensifies the emotion when the sentence is not a question."""

FIRST_PERSON = frozenset(
    {"i", "i'm", "i've", "i'd", "i'll", "me", "my", "myself", "we", "we're", "we've", "us",
     "our", "ourselves", "im"}
)  # fmt: skip
SECOND_PERSON = frozenset(
    {"you", "you're", "you've", "you'll", "you'd", "your", "yours", "yourself", "ya", "u"}
)
THIRD_PERSON = frozenset(
    {"he", "he's", "she", "she's", "they", "they're", "him", "her", "them", "his", "their",
     "person", "speaker", "man", "woman", "people", "everyone", "somebody", "someone", "it's"}
)  # fmt: skip

AMBIGUOUS_FORMS = frozenset(
    {"down", "content", "interest", "calm", "cheer", "sorry", "thanks", "mad", "tension",
     "pleasant", "trust", "concern"}
)  # fmt: skip
"""Vocabulary forms that are too often not emotion words ("sit down", "the content")."""

VOCATIVES = re.compile(
    r"^(hey|hi|hello|mom|mum|dad|honey|dear|darling|sweetheart|baby|brother|sister|sir|madam|"
    r"ma'am|buddy|guys|boss|doctor|teacher|grandma|grandpa|uncle|aunt)\b"
)


@dataclass(frozen=True)
class Marker:
    kind: CueKind
    pattern: re.Pattern[str]
    hint: str | None
    strength: float
    phrase: str  # "{m}" is replaced by the matched words
    negatable: bool = False


def _words(alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)({alternatives})(?![\w'])")


MARKERS: tuple[Marker, ...] = (
    Marker(
        CueKind.THANKS,
        _words(r"(?<!no )thank you|(?<!no )thanks|thank u|thankful|grateful|appreciate[sd]?"),
        "grateful",
        0.75,
        "it thanks someone ('{m}')",
        negatable=True,
    ),
    Marker(
        CueKind.APOLOGY,
        _words(r"sorry|apologi[sz]e[sd]?|apologies|forgive me|my fault|my bad|pardon me"),
        "guilty",
        0.6,
        "it apologizes ('{m}')",
        negatable=True,
    ),
    Marker(
        CueKind.REFUSAL,
        _words(
            r"no way|no thanks?|forget it|leave me alone|i refuse|i won't|i will not|"
            r"not going to|don't want|do not want|never again|i don't need|not interested"
        ),
        "reluctant",
        0.35,
        "it refuses ('{m}')",
    ),
    Marker(
        CueKind.REFUSAL,
        re.compile(r"^(don't|do not|stop|quit|never)\b(?! mind)"),
        "annoyed",
        0.35,
        "it tells someone not to do something ('{m}')",
    ),
    Marker(
        CueKind.HOSTILITY,
        _words(
            r"shut up|get out|go away|how dare|idiots?|stupid|morons?|damn|damned|hell|"
            r"bullshit|nonsense|bastards?|fuck\w*|shit|screw you|that's enough|enough is enough|"
            r"how could you|who do you think"
        ),
        "angry",
        0.6,
        "'{m}' sounds hostile",
    ),
    Marker(
        CueKind.SARCASM,
        _words(
            r"yeah,? right|oh,? great|oh,? sure|as if|big deal|thanks a lot|just great|"
            r"just perfect|what a surprise|oh,? wonderful|how nice of you|good for you"
        ),
        "sarcastic",
        0.45,
        "'{m}' may be sarcastic",
    ),
    Marker(
        CueKind.INTERJECTION,
        re.compile(
            r"(?<!\w)(wow|whoa|oh my god|oh my gosh|omg|my god|oh my|unbelievable|"
            r"(?:i )?can(?:'t|not) believe|are you serious|is it true|what\?|really\?|"
            r"seriously\?)(?![\w'])"
        ),
        "surprised",
        0.5,
        "'{m}' expresses surprise",
    ),
    Marker(
        CueKind.WORRY,
        _words(
            r"what if|what should i do|what am i going to do|what do i do|i'm afraid that|"
            r"i hope nothing|be careful|i don't know what to do|what's wrong|"
            r"what will happen|what's going to happen|are you (?:ok|okay|alright|all right)|"
            r"is (?:he|she|it) (?:ok|okay|alright|all right)|oh no"
        ),
        "worried",
        0.5,
        "'{m}' voices concern",
    ),
)
