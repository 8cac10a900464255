"""Each modality is its own Deployment: GPUs only where asked, scaling on its own consumer.

The expected stream and consumer names come from emer_common.bus.topology, the code the
services use, so a renamed consumer breaks this test instead of silently breaking KEDA.
"""

from __future__ import annotations

from typing import Any

import pytest

from emer_common.bus.topology import Topology
from emer_common.services import SERVICE_NAMES, SERVICES, Consumer
from tests.deploy.chart_support import (
    GPU_VALUES,
    REGISTRY,
    Manifest,
    Render,
    by_kind,
    pod_spec,
)

pytestmark = [pytest.mark.unit, pytest.mark.chart]

GPU_RESOURCE = "nvidia.com/gpu"
# The chart's expectations come from the service registry the code uses.
CONSUMERS_OF: dict[str, tuple[Consumer, ...]] = {
    spec.name: spec.work_consumers for spec in SERVICES
}


def _gpu_limit(doc: Manifest) -> str | None:
    limits: dict[str, Any] = pod_spec(doc)["containers"][0]["resources"].get("limits", {})
    value = limits.get(GPU_RESOURCE)
    return None if value is None else str(value)


def _gpu_anywhere(doc: Manifest) -> bool:
    resources = [c.get("resources", {}) for c in pod_spec(doc)["containers"]]
    return any(GPU_RESOURCE in {**r.get("limits", {}), **r.get("requests", {})} for r in resources)


def test_default_install_is_cpu_only(default_manifests: list[Manifest]) -> None:
    deployments = by_kind(default_manifests, "Deployment")
    assert set(deployments) == set(SERVICE_NAMES)
    for name, doc in deployments.items():
        assert not _gpu_anywhere(doc), name
        spec = pod_spec(doc)
        assert "nvidia.com/gpu.present" not in spec.get("nodeSelector", {}), name
        assert not spec.get("tolerations"), name
        image = spec["containers"][0]["image"]
        assert image == f"{REGISTRY}/emer-{name}:0.1.0", image


def test_gpu_limits_only_on_gpu_services(gpu_manifests: list[Manifest]) -> None:
    deployments = by_kind(gpu_manifests, "Deployment")
    on_gpu = {name for name, doc in deployments.items() if _gpu_anywhere(doc)}
    # fusion runs on CPU here: its LLM is the vLLM Deployment.
    assert on_gpu == {"visual", "audio", "vllm"}
    for name in on_gpu:
        doc = deployments[name]
        assert _gpu_limit(doc) == "1", name
        spec = pod_spec(doc)
        assert spec["nodeSelector"]["nvidia.com/gpu.present"] == "true", name
        assert {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"} in spec[
            "tolerations"
        ]
        # A rollout must not need a second GPU.
        assert doc["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0, name
    for name in {"visual", "audio"}:
        assert pod_spec(deployments[name])["containers"][0]["image"].endswith("-cuda")
    for name in set(deployments) - on_gpu:
        spec = pod_spec(deployments[name])
        assert not spec.get("tolerations"), name
        assert not spec["containers"][0]["image"].endswith("-cuda"), name


def test_gpu_count_and_resource_name_are_configurable(render: Render) -> None:
    manifests = render(
        set_values={
            "services.fusion.gpu.enabled": True,
            "services.fusion.gpu.count": 2,
            "gpu.resourceName": "amd.com/gpu",
            "gpu.runtimeClassName": "nvidia",
        }
    )
    fusion = by_kind(manifests, "Deployment")["fusion"]
    limits = pod_spec(fusion)["containers"][0]["resources"]["limits"]
    assert limits["amd.com/gpu"] == "2"
    assert limits["memory"] == "4Gi", "GPU limits are added to, not replacing, the others"
    assert pod_spec(fusion)["runtimeClassName"] == "nvidia"
    assert "runtimeClassName" not in pod_spec(by_kind(manifests, "Deployment")["text"])


def _expected_targets(name: str, prefix: str) -> list[tuple[str, str]]:
    topology = Topology(prefix=prefix)
    specs = [topology.consumer(service) for service in CONSUMERS_OF[name]]
    return [(spec.stream, spec.durable) for spec in specs]


@pytest.mark.parametrize("prefix", ["emer", "lab2"])
def test_each_scaled_object_targets_its_own_consumers(render: Render, prefix: str) -> None:
    manifests = render([GPU_VALUES], {"bus.subjectPrefix": prefix})
    scaled = by_kind(manifests, "ScaledObject")
    deployments = by_kind(manifests, "Deployment")
    assert set(scaled) == set(SERVICE_NAMES)
    seen: set[str] = set()
    for name, doc in scaled.items():
        spec = doc["spec"]
        assert spec["scaleTargetRef"]["name"] == deployments[name]["metadata"]["name"]
        triggers = spec["triggers"]
        if name == "fusion":  # it scales on its clips ready to fuse (test_chart_operations)
            assert {t["type"] for t in triggers} == {"prometheus"}
            continue
        assert {t["type"] for t in triggers} == {"nats-jetstream"}
        targets = [(t["metadata"]["stream"], t["metadata"]["consumer"]) for t in triggers]
        assert targets == _expected_targets(name, prefix), name
        for trigger in triggers:
            assert trigger["metadata"]["natsServerMonitoringEndpoint"].endswith(":8222")
            assert int(trigger["metadata"]["lagThreshold"]) >= 1
        consumers = {consumer for _, consumer in targets}
        assert not consumers & seen, f"{name} shares a consumer with another service"
        seen |= consumers
    assert scaled["audio"]["spec"]["minReplicaCount"] == 0
    assert scaled["audio"]["spec"]["fallback"]["replicas"] >= 1


def test_autoscaled_deployments_leave_replicas_to_the_autoscaler(
    gpu_manifests: list[Manifest], default_manifests: list[Manifest]
) -> None:
    for doc in by_kind(gpu_manifests, "Deployment").values():
        if doc["metadata"]["labels"]["app.kubernetes.io/component"] != "vllm":
            assert "replicas" not in doc["spec"], doc["metadata"]["name"]
    for doc in by_kind(default_manifests, "Deployment").values():
        assert doc["spec"]["replicas"] == 1


def test_hpa_is_the_fallback_without_keda(render: Render) -> None:
    manifests = render(
        set_values={
            "services.text.autoscaling.enabled": True,
            "services.audio.autoscaling.enabled": True,
            "services.audio.autoscaling.maxReplicas": 3,
        }
    )
    assert not by_kind(manifests, "ScaledObject")
    hpas = by_kind(manifests, "HorizontalPodAutoscaler")
    assert set(hpas) == {"text", "audio"}
    audio = hpas["audio"]["spec"]
    assert audio["scaleTargetRef"]["name"] == "emer-audio"
    assert (audio["minReplicas"], audio["maxReplicas"]) == (1, 3)
    assert audio["metrics"][0]["resource"]["name"] == "cpu"


def test_replicas_are_per_service(render: Render) -> None:
    manifests = render(
        set_values={"services.visual.replicaCount": 3, "services.scoring.enabled": False}
    )
    deployments = by_kind(manifests, "Deployment")
    assert deployments["visual"]["spec"]["replicas"] == 3
    assert deployments["audio"]["spec"]["replicas"] == 1
    assert "scoring" not in deployments
    assert "scoring" not in by_kind(manifests, "PodDisruptionBudget")
    assert "scoring" not in by_kind(manifests, "NetworkPolicy")


def test_gpu_services_are_told_to_use_cuda(gpu_manifests: list[Manifest], render: Render) -> None:
    deployments = by_kind(gpu_manifests, "Deployment")

    def env(doc: Manifest) -> dict[str, str]:
        return {e["name"]: e.get("value") for e in pod_spec(doc)["containers"][0]["env"]}

    audio = env(deployments["audio"])
    assert audio["EMER_AUDIO_ASR_DEVICE"] == "cuda"
    assert audio["EMER_AUDIO_ASR_MODEL"] == "/models/faster-whisper-large-v3"
    visual = env(deployments["visual"])
    assert (visual["EMER_VISUAL_BACKEND"], visual["EMER_VISUAL_CLIP_DEVICE"]) == ("clip", "cuda")
    assert not any(v == "cuda" for v in env(deployments["fusion"]).values()), "fusion is on CPU"
    overridden = render(
        set_values={
            "services.audio.gpu.enabled": True,
            "services.audio.env.EMER_AUDIO_ASR_COMPUTE_TYPE": "int8_float16",
        }
    )
    overridden_audio = by_kind(overridden, "Deployment")["audio"]
    audio = env(overridden_audio)
    assert audio["EMER_AUDIO_ASR_COMPUTE_TYPE"] == "int8_float16", "the service's env wins"
    names = [e["name"] for e in pod_spec(overridden_audio)["containers"][0]["env"]]
    assert names.count("EMER_AUDIO_ASR_COMPUTE_TYPE") == 1
