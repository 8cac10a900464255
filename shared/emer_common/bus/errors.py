"""How a handler tells the worker what to do with a message it could not finish."""

from __future__ import annotations

from dataclasses import dataclass


class PermanentError(Exception):
    """Retrying cannot help (corrupt media, invalid input): term and dead-letter."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TransientError(Exception):
    """Worth retrying later (a backend timed out, a dependency restarts): nak with backoff."""


@dataclass(frozen=True)
class Retry:
    """Not an error: the handler waits for something (e.g. the other modalities of a clip)."""

    delay_s: float
    reason: str
