"""Ctrl-C and SIGTERM during `emer analyze`: stop cleanly, keep what is done.

The first signal sets a flag that the job's loops poll (no more publishing, no more waiting);
the outputs of what is finished are written and the child processes stopped. A second
signal stops at once.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

from emer_common.errors import EmerError

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(EmerError):
    """The user (or a scheduler) asked the job to stop."""

    code = "interrupted"


class Interrupt:
    """Installs the handlers for the duration of a ``with`` block (main thread only)."""

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.signal_name is not None

    def check(self) -> None:
        """Raise ``Interrupted`` once a stop was asked for."""
        if self.signal_name is not None:
            raise Interrupted(f"stopped by {self.signal_name}")

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signal_name is not None:
            raise KeyboardInterrupt  # the second signal: stop now
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> Interrupt:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
