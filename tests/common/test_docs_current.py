"""Docs must match the code: the generated configuration page, and every module, file and
setting the prose names."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from emer_common.bus.topology import Topology
from tests.conftest import REPO

pytestmark = pytest.mark.unit

DOCS = sorted(
    [
        *(REPO / "docs").glob("*.md"),
        *(REPO / p for p in ("README.md", "CONTRIBUTING.md", "helm/emer/README.md")),
        REPO / "deploy" / "README.md",
    ]
)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
MODULE_PATH = re.compile(
    r"(?<![\w/.-])(?:(?:shared|services/\w+)/)?emer_[a-z]+(?![\w])(?:[./][\w-]+)*/?"
)
METRIC = re.compile(r"(?<![\w/.-])emer_[a-z]+_[a-z_]+(?![\w.(])")
SETTING = re.compile(r"\bEMER_[A-Z0-9_]+\*?")
OTHER_VARIABLES = frozenset({"EMER_BENCHMARK_DIR", "EMER_LLAMA_SERVER"})
"""Read by the benchmarks and the test suite, not by a settings class."""


def test_configuration_doc_matches_the_settings_classes() -> None:
    check = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_config_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def code_spans() -> Iterator[tuple[str, str]]:
    """(document, inline code) for every backticked span of the docs."""
    for doc in DOCS:
        if doc.exists():
            for span in CODE_SPAN.findall(doc.read_text(encoding="utf-8")):
                yield doc.relative_to(REPO).as_posix(), span


@cache
def settings_variables() -> frozenset[str]:
    spec = importlib.util.spec_from_file_location(
        "gen_config_docs", REPO / "scripts/gen_config_docs.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    names = set(OTHER_VARIABLES)
    for _, module, name in generator.CLASSES:
        cls = getattr(importlib.import_module(module), name)
        names.update(generator.env_name(cls, field) for field in cls.model_fields)
    topology = Topology()
    names.update(
        getattr(topology, f"{kind}_stream")
        for kind in ("jobs", "clues", "results", "scores", "dlq")
    )
    return frozenset(names)


def _top_level_names(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


PACKAGES = {p.name: p for p in (*REPO.glob("shared/emer_*"), *REPO.glob("services/*/emer_*"))}
"""Import package -> its folder in this checkout (not whatever an installed copy points at)."""


def _module_file(parts: list[str]) -> Path | None:
    folder = PACKAGES.get(parts[0])
    if folder is None:
        return None
    path = folder.joinpath(*parts[1:])
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else None


def module_path_exists(path: str) -> bool:
    """``emer_x.module[.attribute]``, ``emer_x/file.py`` or ``services/x/emer_x/dir/``."""
    path = path.rstrip("/")
    if "/" in path:
        package, _, rest = path.partition("/")
        return (REPO / path).exists() or (
            package in PACKAGES and (PACKAGES[package] / rest).exists()
        )
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        source = _module_file(parts[:end])
        if source is not None:
            return end == len(parts) or parts[end] in _top_level_names(source)
    return False


def test_every_module_and_file_the_docs_name_exists() -> None:
    missing = sorted(
        f"{doc}: {found}"
        for doc, span in code_spans()
        for found in MODULE_PATH.findall(span)
        if not module_path_exists(found)
    )
    assert not missing, "docs name modules or files that do not exist:\n" + "\n".join(missing)


def test_every_setting_the_docs_name_exists() -> None:
    known = settings_variables()
    missing = set()
    for doc, span in code_spans():
        for found in SETTING.findall(span):
            prefix = found.rstrip("*")
            is_prefix = found.endswith(("*", "_"))
            if not (any(k.startswith(prefix) for k in known) if is_prefix else found in known):
                missing.add(f"{doc}: {found}")
    assert not missing, "docs name settings that do not exist:\n" + "\n".join(sorted(missing))


def test_every_metric_the_docs_name_exists() -> None:
    """Prometheus names in the docs (``emer_messages_total``) are defined in the metrics module;
    counters are declared without the ``_total`` their samples carry."""
    source = (REPO / "shared" / "emer_common" / "metrics.py").read_text(encoding="utf-8")
    defined = set(re.findall(r'"(emer_[a-z_]+)"', source))
    missing = sorted(
        f"{doc}: {name}"
        for doc, span in code_spans()
        for name in METRIC.findall(span)
        if name.removesuffix("_total") not in defined and not module_path_exists(name)
    )
    assert not missing, "docs name metrics that do not exist:\n" + "\n".join(missing)
