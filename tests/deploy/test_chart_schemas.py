"""The chart lints strictly and every rendered manifest matches its API schema.

Kubernetes kinds are checked by kubernetes-validate in strict mode (unknown fields fail) for the
oldest Kubernetes the chart supports and the newest the package knows; KEDA ScaledObjects by
cloudcoil's model of the KEDA CRD, with a round trip that rejects fields the CRD lacks.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from cloudcoil.models.keda.v1alpha1 import ScaledObject
from kubernetes_validate.utils import ValidationError

from tests.deploy.chart_support import (
    ALL_OPTIONS_VALUES,
    CHART_DIR,
    GPU_VALUES,
    REPO_ROOT,
    Manifest,
    Render,
    lint_args,
    run_helm,
)

pytestmark = [pytest.mark.unit, pytest.mark.chart]

OLDEST_KUBERNETES = "1.27.0"  # Chart.yaml kubeVersion
NEWEST_KUBERNETES = kubernetes_validate.utils.latest_version()
KEDA_API_VERSION = "keda.sh/v1alpha1"
MONITORING_API_VERSION = "monitoring.coreos.com/v1"
CRD_API_VERSIONS = (KEDA_API_VERSION, MONITORING_API_VERSION)


@pytest.mark.parametrize(
    "values", [None, GPU_VALUES, ALL_OPTIONS_VALUES], ids=["default", "gpu", "all-options"]
)
def test_helm_lint_strict(helm: Path, values: Path | None) -> None:
    result = run_helm(helm, *lint_args(values))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


def _kubernetes_kinds(manifests: list[Manifest]) -> list[Manifest]:
    return [doc for doc in manifests if doc["apiVersion"] not in CRD_API_VERSIONS]


@pytest.mark.parametrize("version", [OLDEST_KUBERNETES, NEWEST_KUBERNETES])
@pytest.mark.parametrize("which", ["default", "gpu", "all-options"])
def test_manifests_match_kubernetes_schemas(
    which: str,
    version: str,
    default_manifests: list[Manifest],
    gpu_manifests: list[Manifest],
    render: Render,
) -> None:
    manifests = {
        "default": default_manifests,
        "gpu": gpu_manifests,
        "all-options": render([ALL_OPTIONS_VALUES]),
    }[which]
    kinds = _kubernetes_kinds(manifests)
    assert len(kinds) >= 15
    for doc in kinds:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except ValidationError as error:
            pytest.fail(
                f"{doc['kind']}/{doc['metadata']['name']} at {list(error.path)}: {error.message}"
            )


def test_schema_validation_catches_unknown_fields(default_manifests: list[Manifest]) -> None:
    """The strict check is not vacuous: a misspelt field in a pod spec is rejected."""
    deployment = next(d for d in default_manifests if d["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(broken, NEWEST_KUBERNETES, strict=True)


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def _keda_round_trip(doc: Manifest) -> dict[str, Any]:
    model = ScaledObject.model_validate(doc)
    dumped: dict[str, Any] = _strip_none(
        model.model_dump(by_alias=True, exclude_unset=True, mode="json")
    )
    return dumped


def test_scaled_objects_match_keda_crd(gpu_manifests: list[Manifest]) -> None:
    scaled = [d for d in gpu_manifests if d["kind"] == "ScaledObject"]
    assert {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in scaled} == {
        "visual",
        "audio",
        "text",
        "fusion",
        "scoring",
    }
    for doc in scaled:
        assert doc["apiVersion"] == KEDA_API_VERSION
        # The model ignores unknown fields; a lossless round trip proves there were none.
        assert _keda_round_trip(doc) == doc, doc["metadata"]["name"]


def test_keda_check_catches_unknown_fields(gpu_manifests: list[Manifest]) -> None:
    doc = copy.deepcopy(next(d for d in gpu_manifests if d["kind"] == "ScaledObject"))
    doc["spec"]["maxReplicas"] = 3  # the CRD calls it maxReplicaCount
    assert _keda_round_trip(doc) != doc


def test_chart_app_version_is_the_package_version() -> None:
    chart = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert chart["appVersion"] == project["version"]
    assert "dependencies" not in chart, "a dependency must be fetched before helm template works"


def test_every_values_key_is_in_the_schema() -> None:
    """values.yaml and values.schema.json describe the same keys (the schema forbids others)."""
    import json

    import jsonschema

    schema = json.loads((CHART_DIR / "values.schema.json").read_text())
    for path in (CHART_DIR / "values.yaml", GPU_VALUES, ALL_OPTIONS_VALUES):
        values = yaml.safe_load(path.read_text())
        if path != CHART_DIR / "values.yaml":
            defaults = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
            values = _deep_merge(defaults, values)
        jsonschema.validate(values, schema)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
