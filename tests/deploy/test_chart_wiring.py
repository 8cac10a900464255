"""How the pieces connect: probes, config rollout, bus init hook, helm test, vLLM, volumes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from emer_cli.k8s_job import k8s_app
from tests.deploy.chart_support import (
    ALL_OPTIONS_VALUES,
    CHART_DIR,
    GPU_VALUES,
    NAMESPACE,
    REGISTRY,
    Manifest,
    Render,
    by_kind,
    pod_spec,
    run_helm,
    template_args,
    workloads,
)

pytestmark = [pytest.mark.unit, pytest.mark.chart]

WORKERS = ("visual", "audio", "text", "fusion", "scoring")
HEALTH_PORT = 8080
MIN_STARTUP_BUDGET_S = 120  # CPU model load is 30-60 s; leave room for slow nodes


def _container(doc: Manifest) -> dict[str, Any]:
    return dict(pod_spec(doc)["containers"][0])


def _env(doc: Manifest) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in _container(doc).get("env", [])}


def test_workers_run_their_service_with_probes(default_manifests: list[Manifest]) -> None:
    deployments = by_kind(default_manifests, "Deployment")
    for name in WORKERS:
        doc = deployments[name]
        container = _container(doc)
        assert container["command"] == ["emer"]
        assert container["args"] == ["serve", name]
        assert _env(doc)[f"EMER_{name.upper()}_HEALTH_PORT"] == str(HEALTH_PORT)
        assert container["ports"] == [
            {"name": "health", "containerPort": HEALTH_PORT, "protocol": "TCP"}
        ]
        startup = container["startupProbe"]
        assert startup["httpGet"]["path"] == "/readyz"
        assert startup["periodSeconds"] * startup["failureThreshold"] >= MIN_STARTUP_BUDGET_S
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        grace = pod_spec(doc)["terminationGracePeriodSeconds"]
        assert grace > 60, "SIGTERM drains in-flight messages"


def test_shared_config_reaches_every_worker(default_manifests: list[Manifest]) -> None:
    configmap = next(d for d in default_manifests if d["kind"] == "ConfigMap")
    data = configmap["data"]
    assert data["EMER_NATS_URL"] == "nats://nats.nats.svc.cluster.local:4222"
    assert data["EMER_SUBJECT_PREFIX"] == "emer"
    assert data["EMER_MODEL_CACHE_DIR"] == data["HF_HOME"] == "/models"
    assert data["HF_HUB_OFFLINE"] == "1"
    assert json.loads(data["EMER_MEDIA_ALLOWED_ROOTS"]) == []
    assert all(isinstance(v, str) for v in data.values())
    for doc in by_kind(default_manifests, "Deployment").values():
        refs = [e["configMapRef"]["name"] for e in _container(doc)["envFrom"]]
        assert refs == [configmap["metadata"]["name"]]


def _checksums(manifests: list[Manifest]) -> set[str]:
    return {
        doc["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        for doc in by_kind(manifests, "Deployment").values()
        if doc["metadata"]["labels"]["app.kubernetes.io/component"] in WORKERS
    }


def test_config_change_rolls_the_pods(render: Render, default_manifests: list[Manifest]) -> None:
    before = _checksums(default_manifests)
    assert len(before) == 1
    assert _checksums(render()) == before, "same values, same checksum"
    changed = _checksums(render(set_values={"worker.batchSize": 4}))
    assert len(changed) == 1 and changed != before


def test_stream_replicas_come_from_a_value(
    default_manifests: list[Manifest], gpu_manifests: list[Manifest]
) -> None:
    """One NATS pod restarting must not take streams offline on a 3-node cluster."""
    for manifests, replicas in ((default_manifests, "1"), (gpu_manifests, "3")):
        configmap = next(d for d in manifests if d["kind"] == "ConfigMap")
        assert configmap["data"]["EMER_STREAM_REPLICAS"] == replicas
    # bus init declares the streams, in a hook that runs before the ConfigMap exists
    (hook,) = [d for d in gpu_manifests if d["kind"] == "Job"]
    assert _container(hook)["args"] == ["bus", "init"]
    assert _env(hook)["EMER_STREAM_REPLICAS"] == "3"


def test_media_and_model_cache_volumes(gpu_manifests: list[Manifest]) -> None:
    configmap = next(d for d in gpu_manifests if d["kind"] == "ConfigMap")
    assert json.loads(configmap["data"]["EMER_MEDIA_ALLOWED_ROOTS"]) == ["/data"]
    for name in WORKERS:
        spec = pod_spec(by_kind(gpu_manifests, "Deployment")[name])
        mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
        assert mounts["media"] == {"name": "media", "mountPath": "/data", "readOnly": True}
        assert mounts["model-cache"]["readOnly"] is True
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["media"]["persistentVolumeClaim"]["claimName"] == "emer-media"
        assert volumes["model-cache"]["persistentVolumeClaim"]["claimName"] == "emer-models"


def test_bus_init_hook_creates_the_topology(default_manifests: list[Manifest]) -> None:
    jobs = [d for d in default_manifests if d["kind"] == "Job"]
    assert len(jobs) == 1
    job = jobs[0]
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    container = _container(job)
    assert container["args"] == ["bus", "init"]
    assert container["image"] == f"{REGISTRY}/emer-cli:0.1.0"
    # Hooks run before the release's ConfigMap and ServiceAccount exist.
    assert "envFrom" not in container
    assert "serviceAccountName" not in pod_spec(job)
    assert _env(job)["EMER_NATS_URL"] == "nats://nats.nats.svc.cluster.local:4222"
    assert _env(job)["EMER_SUBJECT_PREFIX"] == "emer"
    assert pod_spec(job)["restartPolicy"] == "Never"


def test_helm_test_pod_pings_the_bus(default_manifests: list[Manifest]) -> None:
    pods = [d for d in default_manifests if d["kind"] == "Pod"]
    assert len(pods) == 1
    pod = pods[0]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    container = _container(pod)
    assert container["command"] == ["emer"] and container["args"] == ["bus", "ping"]
    assert _env(pod)["EMER_NATS_URL"].startswith("nats://")


def test_vllm_serves_fusion(gpu_manifests: list[Manifest]) -> None:
    deployments = by_kind(gpu_manifests, "Deployment")
    vllm = deployments["vllm"]
    container = _container(vllm)
    assert container["image"] == "docker.io/vllm/vllm-openai:v0.11.0"
    assert "--model=/models/Qwen2.5-7B-Instruct" in container["args"]
    assert "--served-model-name=Qwen/Qwen2.5-7B-Instruct" in container["args"]
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    vllm_env = {e["name"]: e for e in container["env"]}
    assert vllm_env["VLLM_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "emer-vllm"
    volumes = {v["name"]: v for v in pod_spec(vllm)["volumes"]}
    assert volumes["dshm"]["emptyDir"]["medium"] == "Memory"

    service = by_kind(gpu_manifests, "Service")["vllm"]
    assert service["spec"]["ports"][0]["port"] == 8000
    fusion = _env(deployments["fusion"])
    assert fusion["EMER_FUSION_BACKEND"] == "openai"
    assert fusion["EMER_FUSION_OPENAI_BASE_URL"] == (
        f"http://{service['metadata']['name']}.{NAMESPACE}.svc:8000/v1"
    )
    assert fusion["EMER_FUSION_OPENAI_MODEL"] == "Qwen/Qwen2.5-7B-Instruct"
    assert fusion["EMER_FUSION_OPENAI_API_KEY"]["secretKeyRef"] == {
        "name": "emer-vllm",
        "key": "api-key",
    }


def test_fusion_can_use_an_external_openai_server(render: Render) -> None:
    manifests = render(
        set_values={
            "services.fusion.backend": "openai",
            "services.fusion.openai.baseUrl": "https://llm.example.com/v1",
            "services.fusion.openai.model": "qwen2.5-72b",
            "services.fusion.openai.apiKeySecret.name": "llm-key",
            "networkPolicy.fusionEgress[0].ports[0].port": 443,
        }
    )
    assert "vllm" not in by_kind(manifests, "Deployment")
    env = _env(by_kind(manifests, "Deployment")["fusion"])
    assert env["EMER_FUSION_OPENAI_BASE_URL"] == "https://llm.example.com/v1"
    assert env["EMER_FUSION_OPENAI_API_KEY"]["secretKeyRef"]["name"] == "llm-key"
    egress = by_kind(manifests, "NetworkPolicy")["fusion"]["spec"]["egress"]
    assert {"ports": [{"port": 443}]} in egress


def test_default_fusion_uses_its_in_process_model(default_manifests: list[Manifest]) -> None:
    env = _env(by_kind(default_manifests, "Deployment")["fusion"])
    assert env["EMER_FUSION_BACKEND"] == "transformers"
    assert not any(key.startswith("EMER_FUSION_OPENAI") for key in env)


def test_images_are_pinned(gpu_manifests: list[Manifest], render: Render) -> None:
    for doc in workloads(gpu_manifests):
        for container in pod_spec(doc)["containers"]:
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image
    pinned = render(
        set_values={
            "image.registry": "registry.example.com/emer",
            "services.text.image.digest": "sha256:" + "ab" * 32,
        }
    )
    text = _container(by_kind(pinned, "Deployment")["text"])["image"]
    assert text == "registry.example.com/emer/emer-text:0.1.0@sha256:" + "ab" * 32


def test_model_cache_pvc_is_created_on_request(render: Render) -> None:
    manifests = render(set_values={"modelCache.create": True, "modelCache.size": "80Gi"})
    pvc = next(d for d in manifests if d["kind"] == "PersistentVolumeClaim")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "80Gi"
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    spec = pod_spec(by_kind(manifests, "Deployment")["audio"])
    claim = next(v for v in spec["volumes"] if v["name"] == "model-cache")
    assert claim["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]


def test_pod_disruption_budgets(gpu_manifests: list[Manifest]) -> None:
    pdbs = by_kind(gpu_manifests, "PodDisruptionBudget")
    assert set(pdbs) == {*WORKERS, "vllm"}
    for name, pdb in pdbs.items():
        assert pdb["spec"]["maxUnavailable"] == 1, name
        component = pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
        assert component == name


NOTES_PROBE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: notes-probe
data:
  notes: {{ tpl (.Files.Get "notes-probe.txt") . | quote }}
"""


def test_notes_render_and_name_real_cli_flags(helm: Path, tmp_path: Path) -> None:
    """NOTES.txt (rendered by helm's own engine through `tpl`) points at flags that exist."""
    chart = tmp_path / "emer"
    shutil.copytree(CHART_DIR, chart)
    shutil.copy(chart / "templates" / "NOTES.txt", chart / "notes-probe.txt")
    (chart / "templates" / "notes-probe.yaml").write_text(NOTES_PROBE)
    args = template_args([GPU_VALUES], {"media.existingClaim": "emer-media"})
    args[2] = str(chart)
    result = run_helm(helm, *args, "--show-only", "templates/notes-probe.yaml")
    assert result.returncode == 0, result.stderr
    notes = yaml.safe_load(result.stdout)["data"]["notes"]
    assert "emer-audio: GPU, 0-4 replicas (KEDA on consumer lag)" in notes
    assert "emer-text: CPU" in notes
    assert "helm test emer -n emer-test" in notes
    submit = notes[notes.index("emer k8s submit") :].split("\n\n")[0]
    assert "--pvc emer-media" in submit
    group = typer.main.get_group(k8s_app)
    known = {opt for param in group.commands["submit"].params for opt in param.opts} | {"--help"}
    flags = set(re.findall(r"--[a-z][a-z-]+", submit))
    assert {"--pvc", "--nats-url", "--image", "--nats-creds-secret"} <= flags
    assert flags <= known, f"NOTES.txt suggests {flags - known}, which `emer k8s submit` lacks"


def test_per_service_pdb_overrides(render: Render) -> None:
    pdbs = by_kind(render([ALL_OPTIONS_VALUES]), "PodDisruptionBudget")
    assert "scoring" not in pdbs, "an explicit enabled: false wins over the global default"
    assert pdbs["audio"]["spec"]["maxUnavailable"] == "50%"
    assert pdbs["text"]["spec"]["maxUnavailable"] == 1
    none = by_kind(render(set_values={"pdb.enabled": False}), "PodDisruptionBudget")
    assert not none


def test_default_models_are_read_from_the_model_cache(
    default_manifests: list[Manifest], render: Render
) -> None:
    """Images carry no weights by default: the CPU defaults are paths in the cache volume."""
    deployments = by_kind(default_manifests, "Deployment")
    expected = {
        "visual": ("EMER_VISUAL_FACE_LANDMARKER_PATH", "/models/emer/face_landmarker.task"),
        "audio": ("EMER_AUDIO_ASR_MODEL", "/models/emer/whisper-tiny.en"),
        "fusion": ("EMER_FUSION_MODEL_PATH", "/models/emer/SmolLM2-135M-Instruct.Q4_1.gguf"),
    }
    for name, (variable, path) in expected.items():
        assert _env(deployments[name])[variable] == path
    for name in ("text", "scoring"):
        assert not any("MODEL" in key for key in _env(deployments[name]))
    baked = by_kind(render(set_values={"modelCache.defaultModels": False}), "Deployment")
    assert "EMER_AUDIO_ASR_MODEL" not in _env(baked["audio"])
    overridden = by_kind(
        render(set_values={"services.audio.env.EMER_AUDIO_ASR_MODEL": "/models/large-v3"}),
        "Deployment",
    )
    assert _env(overridden["audio"])["EMER_AUDIO_ASR_MODEL"] == "/models/large-v3"
