"""Backends by name: one table of ``module:attr`` strings per kind, imported only when used.

Every service picks its backends the same way. A name from the settings is looked up in a
:class:`Registry`; its entry ``"package.module:Class"`` is imported on first use, so a CPU
install never imports the GPU code of a backend it does not use, and
``Class.from_settings(settings)`` builds the backend. A name that is itself a
``package.module:Class`` path loads a backend that lives outside emer. An unknown name raises
:class:`~emer_common.errors.UnknownNameError`, which lists the registered names.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from emer_common.errors import ConfigurationError, UnknownNameError

SettingsT = TypeVar("SettingsT")
BackendT = TypeVar("BackendT")


class Registry(Generic[SettingsT, BackendT]):
    """The backends of one kind, by name; ``create`` builds one from a service's settings."""

    def __init__(self, kind: str, table: Mapping[str, str], *, setting: str | None = None) -> None:
        """``table`` maps each name to ``"package.module:Class"`` (``Class`` has
        ``from_settings``); ``setting`` is the environment variable that picks the name."""
        self.kind = kind
        self.setting = setting
        self._table = dict(table)

    def available(self) -> tuple[str, ...]:
        """The registered names, sorted."""
        return tuple(sorted(self._table))

    def __contains__(self, name: object) -> bool:
        return name in self._table

    def target(self, name: str) -> str:
        """The ``module:attr`` path that ``name`` stands for."""
        if name in self._table:
            return self._table[name]
        if ":" in name:
            return name
        label = f"{self.kind} backend" + (f" ({self.setting})" if self.setting else "")
        raise UnknownNameError(label, name, self._table)

    def load(self, name: str) -> Any:
        """The class (or factory) behind ``name``, imported now."""
        target = self.target(name)
        module_name, _, attribute = target.partition(":")
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise  # the backend's own dependency is missing: its message says which
            raise ConfigurationError(
                f"{self.kind} backend {target!r}: no module {module_name!r}"
            ) from error
        for part in attribute.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise ConfigurationError(
                    f"{self.kind} backend {target!r}: {module_name} has no {attribute!r}"
                ) from None
        return obj

    def create(self, name: str, settings: SettingsT) -> BackendT:
        """Build the backend registered as ``name`` from ``settings``."""
        backend: BackendT = self.load(name).from_settings(settings)
        return backend
