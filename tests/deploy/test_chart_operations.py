"""What an operator hits in the first hour on a real cluster (issue #13), rendered and checked.

Each test fails on the chart before the fix: KEDA's endpoint and account, waking from zero,
a default install that finds its models, vLLM's home and caches, GPU placement without the
GPU operator, CRD gating, registry and pull policy, JSON logs, and the monitoring objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cloudcoil.models.prometheus_operator.v1 import PrometheusRule, ServiceMonitor

from tests.deploy.chart_support import (
    GPU_VALUES,
    REPO_ROOT,
    Manifest,
    Render,
    by_kind,
    pod_spec,
    run_helm,
    template_args,
)

pytestmark = [pytest.mark.unit, pytest.mark.chart]

WORKERS = ("visual", "audio", "text", "fusion", "scoring")
MODEL_SERVICES = ("visual", "audio", "fusion")
JWT_ACCOUNT = "A" + "B" * 55
KEDA_ON = {"keda.enabled": True, "services.audio.autoscaling.enabled": True}


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def _fails(helm: Path, set_values: dict[str, Any], *messages: str, **kwargs: Any) -> None:
    result = run_helm(helm, *template_args(set_values=set_values, **kwargs))
    assert result.returncode != 0, f"rendered although {set_values} is broken"
    for message in messages:
        assert message in result.stderr, result.stderr


def _scaled(manifests: list[Manifest]) -> dict[str, Manifest]:
    return by_kind(manifests, "ScaledObject")


def _nats_triggers(doc: Manifest) -> list[dict[str, Any]]:
    return [t for t in doc["spec"]["triggers"] if t["type"] == "nats-jetstream"]


# 1. KEDA reads lag from the consumer leader at <pod>.<endpoint host>: the headless service.
def test_keda_polls_the_headless_monitoring_service(
    render: Render, gpu_manifests: list[Manifest]
) -> None:
    for manifests in (render(set_values=KEDA_ON), gpu_manifests):
        for doc in _scaled(manifests).values():
            for trigger in _nats_triggers(doc):
                endpoint = trigger["metadata"]["natsServerMonitoringEndpoint"]
                assert endpoint.split(".")[0].endswith("-headless"), endpoint
                assert endpoint.endswith(":8222"), endpoint


# 2. JWT accounts are named by their public key; "$G" reads a lag of 0 without an error.
def test_jwt_auth_requires_the_account_public_key(helm: Path, render: Render) -> None:
    jwt = {**KEDA_ON, "bus.auth.type": "creds", "bus.auth.existingSecret": "emer-nats"}
    _fails(helm, jwt, "keda.account", "nsc describe account")
    _fails(helm, {**jwt, "keda.account": "$G"}, "keda.account")
    manifests = render(set_values={**jwt, "keda.account": JWT_ACCOUNT})
    trigger = _scaled(manifests)["audio"]["spec"]["triggers"][0]
    assert trigger["metadata"]["account"] == JWT_ACCOUNT
    plain = _scaled(render(set_values=KEDA_ON))["audio"]["spec"]["triggers"][0]
    assert plain["metadata"]["account"] == "$G"


# 3. A single clip must wake a service scaled to zero, and fusion must wait for it.
def test_scale_from_zero_wakes_on_one_clip_and_fusion_waits(
    helm: Path, gpu_manifests: list[Manifest], render: Render
) -> None:
    audio = _scaled(gpu_manifests)["audio"]
    assert audio["spec"]["minReplicaCount"] == 0
    for trigger in audio["spec"]["triggers"]:
        assert trigger["metadata"]["activationLagThreshold"] == "0"
    fusion = pod_spec(by_kind(gpu_manifests, "Deployment")["fusion"])["containers"][0]
    assert float(_env(fusion)["EMER_FUSION_MODALITY_DEADLINE_S"]) >= 900
    zero = {**KEDA_ON, "services.audio.autoscaling.minReplicas": 0}
    _fails(
        helm,
        {**zero, "services.audio.autoscaling.activationLagThreshold": 1},
        "activationLagThreshold=0",
    )
    always_up = by_kind(render(set_values=KEDA_ON), "Deployment")["fusion"]
    assert "EMER_FUSION_MODALITY_DEADLINE_S" not in _env(pod_spec(always_up)["containers"][0])


# 4. A default install: the cache starts empty, so the default models are seeded into it.
def test_default_install_seeds_the_models_it_points_at(
    default_manifests: list[Manifest], render: Render
) -> None:
    deployments = by_kind(default_manifests, "Deployment")
    for name in MODEL_SERVICES:
        spec = pod_spec(deployments[name])
        (seed,) = spec["initContainers"]
        assert seed["name"] == "seed-models"
        assert seed["image"] == spec["containers"][0]["image"].replace(f"emer-{name}", "emer-cli")
        assert seed["command"] == ["seed-models", "/opt/emer/models", "/models"]
        mount = next(m for m in seed["volumeMounts"] if m["name"] == "model-cache")
        assert mount["mountPath"] == "/models" and not mount.get("readOnly")
        model_paths = [v for k, v in _env(spec["containers"][0]).items() if "MODEL" in k]
        assert model_paths and all(str(p).startswith("/models/emer/") for p in model_paths)
    for name in ("text", "scoring"):
        assert "initContainers" not in pod_spec(deployments[name])
    filled = by_kind(
        render(set_values={"modelCache.existingClaim": "models", "modelCache.readOnly": True}),
        "Deployment",
    )
    assert "initContainers" not in pod_spec(filled["audio"]), "a read-only cache is not seeded"


def test_read_only_empty_cache_is_refused(helm: Path) -> None:
    _fails(helm, {"modelCache.readOnly": True}, "modelCache.readOnly=false")


def test_helm_test_runs_a_clip_through_the_pipeline(default_manifests: list[Manifest]) -> None:
    (pod,) = [d for d in default_manifests if d["kind"] == "Pod"]
    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    analyze = containers["analyze-clip"]
    assert analyze["command"] == ["emer"]
    args = analyze["args"]
    assert args[0] == "analyze" and args[1].endswith(".mp4") and "--upload" in args
    assert int(args[args.index("--timeout-s") + 1]) >= 600
    assert _env(analyze)["EMER_NATS_URL"].startswith("nats://")
    assert pod["spec"]["activeDeadlineSeconds"] > int(args[args.index("--timeout-s") + 1])
    assert (REPO_ROOT / "samples" / Path(args[1]).name).is_file(), "the CLI image ships it"


# 5. vLLM as uid 10001 without a passwd entry: USER for getpass, HOME and caches on a volume.
def test_vllm_has_a_home_and_a_writable_cache(gpu_manifests: list[Manifest]) -> None:
    spec = pod_spec(by_kind(gpu_manifests, "Deployment")["vllm"])
    container = spec["containers"][0]
    env = _env(container)
    assert env["USER"] and env["LOGNAME"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    cache_mount = env["HOME"]
    assert mounts[cache_mount] == "cache"
    for variable in ("XDG_CACHE_HOME", "VLLM_CACHE_ROOT", "TRITON_CACHE_DIR"):
        assert env[variable].startswith(cache_mount + "/"), variable
    cache = next(v for v in spec["volumes"] if v["name"] == "cache")
    assert cache["emptyDir"]["sizeLimit"] not in ("", None)


# 6. Fusion's lag also counts the reports of clips it parked waiting for other modalities
# (tests/integration/test_fusion_scaling_signal.py measures it): it scales on the clips ready
# to fuse, the gauge emer_fusion_clips_ready that fusion exports, through Prometheus.
PROMETHEUS = "http://prometheus-operated.monitoring.svc:9090"
FUSION_KEDA = {
    "keda.enabled": True,
    "services.fusion.autoscaling.enabled": True,
    "metrics.serviceMonitor.enabled": True,
    "keda.prometheus.serverAddress": PROMETHEUS,
}


def test_fusion_scales_on_clips_ready_to_fuse(
    render: Render, gpu_manifests: list[Manifest]
) -> None:
    manifests = render(set_values={**FUSION_KEDA, "services.fusion.autoscaling.lagThreshold": 3})
    (trigger,) = _scaled(manifests)["fusion"]["spec"]["triggers"]
    assert trigger["type"] == "prometheus", "not fusion's consumer lag"
    metadata = trigger["metadata"]
    assert metadata["serverAddress"] == PROMETHEUS
    assert (metadata["threshold"], metadata["activationThreshold"]) == ("3", "0")
    assert metadata["ignoreNullValues"] == "false", "a missing scrape must not read as 0"
    # the query reads the gauge from the Service the ServiceMonitor scrapes, max over replicas
    service = by_kind(manifests, "Service")["fusion"]["metadata"]["name"]
    expected = f'max(emer_fusion_clips_ready{{namespace="emer-test",service="{service}"}})'
    assert metadata["query"] == expected
    (gpu_trigger,) = _scaled(gpu_manifests)["fusion"]["spec"]["triggers"]
    assert gpu_trigger["metadata"]["query"].startswith("max(emer_fusion_clips_ready{")
    custom = 'max(emer_fusion_clips_ready{kubernetes_namespace="ml"})'
    own = render(
        set_values={
            **FUSION_KEDA,
            "metrics.serviceMonitor.enabled": False,
            "keda.prometheus.fusionReadyQuery": custom,
        }
    )
    assert _scaled(own)["fusion"]["spec"]["triggers"][0]["metadata"]["query"] == custom
    lag = render(set_values={**FUSION_KEDA, "services.fusion.autoscaling.signal": "lag"})
    (lag_trigger,) = _scaled(lag)["fusion"]["spec"]["triggers"]
    assert lag_trigger["type"] == "nats-jetstream"
    for name, doc in _scaled(gpu_manifests).items():
        if name != "fusion":
            assert doc["spec"]["triggers"] == _nats_triggers(doc), name


def test_fusion_ready_clips_needs_a_prometheus_that_scrapes_it(helm: Path) -> None:
    _fails(
        helm,
        {**FUSION_KEDA, "keda.prometheus.serverAddress": ""},
        "keda.prometheus.serverAddress is empty",
        "signal=lag",
    )
    _fails(
        helm,
        {**FUSION_KEDA, "metrics.serviceMonitor.enabled": False},
        "metrics.serviceMonitor.enabled=true",
    )
    _fails(
        helm,
        {**FUSION_KEDA, "services.fusion.autoscaling.minReplicas": 0},
        "nothing would wake it",
    )
    assert run_helm(helm, *template_args(set_values=FUSION_KEDA)).returncode == 0


# 6. GPU placement without the GPU operator's labels: the resource request places the pod.
def test_gpu_pods_schedule_without_the_gpu_operator_label(render: Render) -> None:
    manifests = render(set_values={"services.audio.gpu.enabled": True})
    spec = pod_spec(by_kind(manifests, "Deployment")["audio"])
    assert "nvidia.com/gpu.present" not in spec.get("nodeSelector", {})
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    preferred = spec["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert preferred[0]["preference"]["matchExpressions"][0]["key"] == "nvidia.com/gpu.present"


# 7. KEDA only where its API exists; a registry; pull policies that roll out rebuilds.
def test_keda_is_gated_on_its_api(helm: Path) -> None:
    _fails(helm, KEDA_ON, "keda.sh/v1alpha1", "--api-versions", api_versions=())
    no_api = run_helm(
        helm, *template_args(set_values={**KEDA_ON, "keda.checkApi": False}, api_versions=())
    )
    assert no_api.returncode == 0 and "kind: ScaledObject" not in no_api.stdout


def test_image_registry_is_required(helm: Path) -> None:
    _fails(helm, {"image.registry": ""}, "image.registry is empty", "--set image.registry=")


def test_pull_policy_rolls_out_rebuilt_tags(
    default_manifests: list[Manifest], render: Render
) -> None:
    for doc in default_manifests:
        if doc["kind"] in ("Deployment", "Job", "Pod"):
            spec = pod_spec(doc)
            for container in spec["containers"] + spec.get("initContainers", []):
                assert container["imagePullPolicy"] == "Always", doc["metadata"]["name"]
    pinned = render(set_values={"services.text.image.digest": "sha256:" + "ab" * 32})
    text = pod_spec(by_kind(pinned, "Deployment")["text"])["containers"][0]
    assert text["imagePullPolicy"] == "IfNotPresent"
    explicit = render(set_values={"image.pullPolicy": "IfNotPresent"})
    audio = pod_spec(by_kind(explicit, "Deployment")["audio"])["containers"][0]
    assert audio["imagePullPolicy"] == "IfNotPresent"


def test_services_log_json_lines(default_manifests: list[Manifest]) -> None:
    (config,) = [d for d in default_manifests if d["kind"] == "ConfigMap"]
    assert config["data"]["EMER_LOG_FORMAT"] == "json"


# Monitoring: ServiceMonitors, the Grafana dashboard and the alerts, validated.
MONITORING_ON = {
    "metrics.serviceMonitor.enabled": True,
    "metrics.serviceMonitor.labels.release": "kube-prometheus-stack",
    "metrics.dashboard.enabled": True,
    "metrics.prometheusRule.enabled": True,
}


def _round_trip(model: Any, doc: Manifest) -> Any:
    dumped = model.model_validate(doc).model_dump(by_alias=True, exclude_none=True, mode="json")
    return dumped


def test_service_monitors_scrape_every_service(render: Render) -> None:
    manifests = render(set_values=MONITORING_ON)
    monitors = by_kind(manifests, "ServiceMonitor")
    assert set(monitors) == set(WORKERS)
    services = by_kind(manifests, "Service")
    for name, monitor in monitors.items():
        assert _round_trip(ServiceMonitor, monitor) == monitor, name
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["port"] == "health" and endpoint["path"] == "/metrics"
        service = services[name]
        selector = monitor["spec"]["selector"]["matchLabels"]
        assert selector.items() <= service["metadata"]["labels"].items()
        assert service["spec"]["ports"][0]["name"] == "health"
        deployment = by_kind(manifests, "Deployment")[name]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items()
    assert "ServiceMonitor" not in {d["kind"] for d in render()}


def test_alerts_cover_dead_letters_stalls_and_errors(render: Render) -> None:
    (rule,) = [d for d in render(set_values=MONITORING_ON) if d["kind"] == "PrometheusRule"]
    assert _round_trip(PrometheusRule, rule) == rule
    alerts = {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}
    assert set(alerts) == {"EmerDeadLettersGrowing", "EmerLagWithoutProgress", "EmerHighErrorRate"}
    assert 'outcome="dead_lettered"' in alerts["EmerDeadLettersGrowing"]["expr"]
    assert "jetstream_consumer_num_pending" in alerts["EmerLagWithoutProgress"]["expr"]
    for alert in alerts.values():
        assert "{{" not in alert["expr"] and alert["expr"].count("(") == alert["expr"].count(")")
        assert "$labels.service" in alert["annotations"]["summary"]


def test_grafana_dashboard_is_a_sidecar_configmap(render: Render) -> None:
    manifests = render(set_values=MONITORING_ON)
    dashboard = by_kind(manifests, "ConfigMap")["dashboard"]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    board = json.loads(dashboard["data"]["emer.json"])
    queries = " ".join(t["expr"] for p in board["panels"] for t in p["targets"])
    for metric in (
        "emer_messages_total",
        "emer_stage_duration_seconds_bucket",
        "jetstream_consumer_num_pending",
        'outcome="dead_lettered"',
        "emer_llm_tokens_total",
        "kube_deployment_status_replicas",
        "emer_fusion_clips_ready",
    ):
        assert metric in queries, metric


def test_monitoring_needs_the_operator_api(helm: Path) -> None:
    result = run_helm(helm, *template_args(set_values=MONITORING_ON, api_versions=()))
    assert result.returncode == 0, result.stderr
    assert "kind: ServiceMonitor" not in result.stdout
    assert "kind: PrometheusRule" not in result.stdout


def test_gpu_example_enables_monitoring(gpu_manifests: list[Manifest]) -> None:
    kinds = {d["kind"] for d in gpu_manifests}
    assert {"ServiceMonitor", "PrometheusRule"} <= kinds
    assert GPU_VALUES.is_file()


# 9. The NATS values serve values-gpu.yaml: TLS on client connections, JWT accounts, 3 nodes.
def test_nats_values_match_the_gpu_example() -> None:
    nats = yaml.safe_load((REPO_ROOT / "deploy" / "nats" / "values.yaml").read_text())
    gpu = yaml.safe_load(GPU_VALUES.read_text())
    config = nats["config"]
    assert config["cluster"]["replicas"] == 3 and config["jetstream"]["enabled"]
    assert config["nats"]["tls"]["enabled"] and config["tlsCA"]["key"] == "ca.crt"
    assert config["resolver"]["enabled"], "JWT accounts need a resolver"
    assert {"operator", "system_account"} <= set(config["merge"])
    assert "authorization" not in config["merge"], "user/password auth would bypass the JWTs"
    assert config["monitor"]["port"] == 8222 and nats["promExporter"]["enabled"]
    bus = gpu["bus"]
    assert bus["url"] == "tls://nats.nats.svc.cluster.local:4222"
    assert bus["tls"]["enabled"] and bus["auth"]["type"] == "creds"
    assert gpu["keda"]["natsMonitoringEndpoint"].startswith("nats-headless.nats.svc")
    assert gpu["keda"]["account"].startswith("A") and len(gpu["keda"]["account"]) == 56


def test_tracing_is_off_by_default_and_needs_an_endpoint(
    helm: Path, default_manifests: list[Manifest], render: Render
) -> None:
    (config,) = [d for d in default_manifests if d["kind"] == "ConfigMap"]
    assert "EMER_TRACING_ENABLED" not in config["data"]
    _fails(helm, {"tracing.enabled": True}, "tracing.otlpEndpoint")
    endpoint = "http://otel-collector.observability.svc:4318"
    traced = render(set_values={"tracing.enabled": True, "tracing.otlpEndpoint": endpoint})
    (config,) = [d for d in traced if d["kind"] == "ConfigMap"]
    assert config["data"]["EMER_TRACING_ENABLED"] == "true"
    assert config["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == endpoint
