"""Split subtitle / transcript text into sentences (English and Chinese punctuation)."""

from __future__ import annotations

import re

SENTENCE = re.compile(r"[^.!?。！？…]+(?:[.!?。！？…]+[\"'”’」』)]*|$)")
WHITESPACE = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    """Collapse line breaks and runs of spaces; subtitles wrap lines at arbitrary places."""
    return WHITESPACE.sub(" ", text).strip()


def split_sentences(text: str) -> tuple[str, ...]:
    """Sentences with their closing punctuation, in order; empty pieces dropped."""
    pieces = (piece.strip() for piece in SENTENCE.findall(normalize_space(text)))
    return tuple(piece for piece in pieces if piece and re.search(r"\w", piece))
