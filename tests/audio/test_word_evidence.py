"""The transcript's words travel in the audio clue report as timed text evidence."""

from __future__ import annotations

import pytest

from emer_audio.evidence import WORD_EVIDENCE, word_evidence
from emer_common.contracts import Word

pytestmark = pytest.mark.unit


def test_words_become_timed_text_evidence() -> None:
    words = (
        Word(word=" Hello", start_s=3.0, end_s=3.4, probability=0.98765),
        Word(word=" ", start_s=3.4, end_s=3.5),
        Word(word=" there.", start_s=3.5, end_s=3.9),
    )
    evidence = word_evidence(words)
    assert [(e.name, e.text, e.start_s, e.end_s) for e in evidence] == [
        (WORD_EVIDENCE, "Hello", 3.0, 3.4),
        (WORD_EVIDENCE, "there.", 3.5, 3.9),
    ]
    assert evidence[0].confidence == 0.988 and evidence[1].confidence is None
