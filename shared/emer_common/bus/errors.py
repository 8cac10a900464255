"""What a handler returns when it waits rather than fails (errors: ``emer_common.errors``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Retry:
    """Not an error: the handler waits for something (e.g. the other modalities of a clip)."""

    delay_s: float
    reason: str
