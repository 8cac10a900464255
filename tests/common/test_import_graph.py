"""No service package imports another service package; shared code lives in emer_common.

Imports are read from the source (``import``/``from`` statements, and strings such as
``importlib.import_module("emer_x.y")`` or registry entries ``"emer_x.y:Class"``), so the
test needs none of the services' dependencies.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.unit

SERVICES = ("emer_visual", "emer_audio", "emer_text", "emer_fusion", "emer_scoring")
MODULE_STRING = re.compile(r"^(emer_[a-z]+)(?:\.\w+)*(?::[\w.]+)?$")


def imported_packages(source: Path) -> Iterator[str]:
    """Top-level package of every module ``source`` imports, statically or by name."""
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.split(".")[0]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = MODULE_STRING.match(node.value)
            if match:
                yield match.group(1)


def service_imports() -> set[tuple[str, str, str]]:
    """(importing package, imported package, file) across service packages."""
    found = set()
    for package in SERVICES:
        (folder,) = REPO.glob(f"services/*/{package}")
        for source in folder.rglob("*.py"):
            for imported in imported_packages(source):
                if imported in SERVICES and imported != package:
                    found.add((package, imported, source.relative_to(REPO).as_posix()))
    return found


def test_no_service_imports_another_service() -> None:
    violations = sorted(f"{file} imports {imported}" for _, imported, file in service_imports())
    assert not violations, "move shared code to emer_common:\n" + "\n".join(violations)


def test_the_scan_sees_static_and_named_imports(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text(
        "import emer_audio.decode\nfrom emer_text import analyzer\n"
        "from . import sibling\nX = 'emer_visual.backends.fer_tflite:FerTfliteBackend'\n"
        "'''docstring naming emer_fusion.backends'''\n"
    )
    assert set(imported_packages(source)) == {"emer_audio", "emer_text", "emer_visual"}
