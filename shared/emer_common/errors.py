"""Every error emer raises on purpose, in one tree.

::

    EmerError                     root; ``code`` (machine-readable) and ``permanent``
    ├── ConfigurationError        emer is set up wrongly: fix the settings or the install
    │   ├── UnknownNameError      a backend/service/wheel name that is not registered
    │   └── BusAccessError        the NATS server refused the credentials or permissions
    ├── InputError                a user's input file or argument cannot be used
    ├── PermanentError            a message cannot be processed, now or ever (corrupt media,
    │                             a request the LLM server rejects): terminated at once,
    │                             recorded in the clip's result, never retried
    ├── TransientError            retrying may help (a timeout, a dependency restarting):
    │                             nak with backoff, dead-lettered after the last attempt
    └── BackendError              a model backend failed; ``transient`` picks the branch
                                  above it is handled like (an HTTP 4xx is permanent)

Services decide nothing about retries themselves: they raise, and the pull worker (the one
boundary, ``emer_common.bus.worker``) reads ``permanent`` and ``code``. Any other exception
there is a bug: it is retried like a transient error and logged with its traceback.
Subclasses in services keep their stdlib base where callers catch that (``ValueError``).
"""

from __future__ import annotations

from collections.abc import Iterable


class EmerError(Exception):
    """Root of emer's errors. ``str(error)`` is a message a person can act on."""

    code: str = "error"
    permanent: bool = True

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ConfigurationError(EmerError):
    """emer is configured or installed wrongly; the message says what to change."""

    code = "configuration"


class UnknownNameError(ConfigurationError, KeyError):
    """A name that is not registered (backend, service, wheel); lists the valid ones."""

    code = "unknown_name"

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.known = tuple(sorted(known))
        super().__init__(f"unknown {kind} {name!r}; choose one of: {', '.join(self.known)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class BusAccessError(ConfigurationError):
    """The NATS server rejected emer's credentials or permissions; retrying cannot help."""

    code = "bus_access_denied"


class InputError(EmerError):
    """A user's input (file, manifest, argument) cannot be used."""

    code = "invalid_input"


class PermanentError(EmerError):
    """Retrying cannot help: the worker terminates the message and records the error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class TransientError(EmerError):
    """Worth retrying later: the worker naks with backoff, then dead-letters."""

    code = "transient"
    permanent = False


class BackendError(EmerError):
    """A model backend failed; ``transient`` says whether a retry may help."""

    code = "backend_error"

    def __init__(self, message: str, transient: bool = True, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.transient = transient
        self.permanent = not transient


def file_problem(error: BaseException) -> str:
    """Why a file could not be read, in words a user can act on (no errno, no class name)."""
    if isinstance(error, FileNotFoundError):
        return "it does not exist"
    if isinstance(error, PermissionError):
        return "permission to read it was denied"
    if isinstance(error, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(error, UnicodeDecodeError):
        return f"it is not UTF-8 text (byte {error.start}); save it as UTF-8"
    return "it could not be read"
