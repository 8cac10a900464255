"""Quote untrusted text verbatim, escaped and delimited, so it can only ever be data."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
"""Control, format (bidi overrides, zero-width), private-use and separator characters."""


@dataclass(frozen=True)
class Quote:
    literal: str  # a double-quoted, escaped string literal
    truncated: bool
    quoted_chars: int
    total_chars: int

    @property
    def note(self) -> str:
        """The explicit truncation note, or '' when the whole text is quoted."""
        if not self.truncated:
            return ""
        return f" (quote truncated: first {self.quoted_chars} of {self.total_chars} characters)"


def _escape_invisible(literal: str) -> str:
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in INVISIBLE_CATEGORIES else ch
        for ch in literal
    )


def quote(text: str, max_chars: int) -> Quote:
    """A JSON-style string literal of ``text``: quotes, backslashes and control or invisible
    characters are escaped; texts longer than ``max_chars`` are cut and marked with '...'."""
    truncated = len(text) > max_chars
    kept = text[:max_chars].rstrip() + "..." if truncated else text
    literal = _escape_invisible(json.dumps(kept, ensure_ascii=False))
    return Quote(literal, truncated, min(len(text), max_chars), len(text))
