"""Restricted pod security, credentials only from Secrets, default-deny network policies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.chart_support import (
    CHART_DIR,
    GPU_VALUES,
    Manifest,
    Render,
    assert_restricted,
    by_kind,
    pod_spec,
    run_helm,
    template_args,
    workloads,
)

pytestmark = [pytest.mark.unit, pytest.mark.chart]

SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|API_?KEY|SEED|CREDS", re.IGNORECASE)
FILE_SETTING = re.compile(r"_(FILE|DIR|PATH)$")
AUTH_TYPES = ("creds", "nkey", "userPassword", "token")


@pytest.mark.parametrize("which", ["default", "gpu"])
def test_every_pod_is_restricted(
    which: str, default_manifests: list[Manifest], gpu_manifests: list[Manifest]
) -> None:
    manifests = default_manifests if which == "default" else gpu_manifests
    pods = workloads(manifests)
    assert len(pods) >= 7
    for doc in pods:
        assert_restricted(doc)


def test_weakening_security_is_refused(helm: Path) -> None:
    result = run_helm(
        helm, *template_args(set_values={"containerSecurityContext.allowPrivilegeEscalation": True})
    )
    assert result.returncode != 0
    assert "allowPrivilegeEscalation" in result.stderr


def _env_entries(manifests: list[Manifest]) -> list[tuple[str, dict[str, Any]]]:
    entries = []
    for doc in workloads(manifests):
        for container in pod_spec(doc)["containers"]:
            for env in container.get("env", []):
                entries.append((f"{doc['metadata']['name']}/{container['name']}", env))
    return entries


@pytest.mark.parametrize("auth", AUTH_TYPES)
def test_credentials_come_only_from_secrets(render: Render, auth: str) -> None:
    manifests = render(
        [GPU_VALUES], {"bus.auth.type": auth, "bus.auth.existingSecret": "nats-secret"}
    )
    assert not [d for d in manifests if d["kind"] == "Secret"], "the chart never creates secrets"
    secret_envs = 0
    for where, env in _env_entries(manifests):
        name = env["name"]
        if SECRET_NAME.search(name) and not FILE_SETTING.search(name):
            assert "value" not in env, f"{where}: {name} is a plain value"
            assert "secretKeyRef" in env["valueFrom"], f"{where}: {name}"
            secret_envs += 1
    configmap = next(d for d in manifests if d["kind"] == "ConfigMap")
    for key in configmap["data"]:
        assert not (SECRET_NAME.search(key) and not FILE_SETTING.search(key)), key
    # fusion and vLLM share the vLLM API key from its Secret.
    assert secret_envs >= 2


@pytest.mark.parametrize("auth", AUTH_TYPES)
def test_auth_type_wires_its_secret(render: Render, auth: str) -> None:
    manifests = render(set_values={"bus.auth.type": auth, "bus.auth.existingSecret": "s1"})
    audio = pod_spec(by_kind(manifests, "Deployment")["audio"])
    container = audio["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    if auth in ("creds", "nkey"):
        variable = "EMER_NATS_CREDS_FILE" if auth == "creds" else "EMER_NATS_NKEY_SEED_FILE"
        path = env[variable]["value"]
        mount = next(m for m in container["volumeMounts"] if m["name"] == "nats-auth")
        assert path.startswith(mount["mountPath"] + "/") and mount["readOnly"] is True
        volume = next(v for v in audio["volumes"] if v["name"] == "nats-auth")
        assert volume["secret"]["secretName"] == "s1"
        assert volume["secret"]["items"][0]["path"] == path.rsplit("/", 1)[1]
    else:
        expected = {"userPassword": "EMER_NATS_PASSWORD", "token": "EMER_NATS_TOKEN"}[auth]
        assert env[expected]["valueFrom"]["secretKeyRef"]["name"] == "s1"
        assert not any(v["name"] == "nats-auth" for v in audio["volumes"])
    hook = next(d for d in manifests if d["kind"] == "Job")
    hook_env = {e["name"] for e in pod_spec(hook)["containers"][0]["env"]}
    assert (
        set(env)
        & {
            "EMER_NATS_CREDS_FILE",
            "EMER_NATS_NKEY_SEED_FILE",
            "EMER_NATS_PASSWORD",
            "EMER_NATS_TOKEN",
        }
        <= hook_env
    ), "the bus init hook authenticates like the services"


def test_tls_files_come_from_a_secret(gpu_manifests: list[Manifest]) -> None:
    visual = pod_spec(by_kind(gpu_manifests, "Deployment")["visual"])
    env = {e["name"]: e.get("value") for e in visual["containers"][0]["env"]}
    assert env["EMER_NATS_TLS_CA_FILE"].endswith("/ca.crt")
    assert "EMER_NATS_TLS_CERT_FILE" not in env, "no client certificate configured"
    volume = next(v for v in visual["volumes"] if v["name"] == "nats-tls")
    assert volume["secret"]["secretName"] == "emer-nats-tls"


def test_values_files_hold_no_secret_values() -> None:
    """Secret-looking keys in the shipped values are references (names of Secrets or keys)."""

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, str) and node and re.search(r"password|token|apikey", path, re.I):
            leaf = path.rsplit(".", 1)[1]
            assert leaf.endswith(("Key", "Secret", "name", "key")), f"{path} holds a value"

    for values in (CHART_DIR / "values.yaml", GPU_VALUES):
        walk(yaml.safe_load(values.read_text()), "")


def test_network_policies_default_deny(gpu_manifests: list[Manifest]) -> None:
    policies = by_kind(gpu_manifests, "NetworkPolicy")
    assert {"visual", "audio", "text", "fusion", "scoring", "vllm", "bus-client"} <= set(policies)
    for name in ("visual", "audio", "text", "fusion", "scoring"):
        spec = policies[name]["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        assert spec["ingress"] == [], f"{name} is a pull worker: no ingress"
        ports = {p["port"] for rule in spec["egress"] for p in rule.get("ports", [])}
        assert {53, 4222} <= ports, name
        assert (8000 in ports) == (name == "fusion"), "only fusion may reach vLLM"
    vllm_from = policies["vllm"]["spec"]["ingress"][0]["from"]
    assert vllm_from == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "emer",
                    "app.kubernetes.io/instance": "emer",
                    "app.kubernetes.io/component": "fusion",
                }
            }
        }
    ]


def test_network_policies_can_be_turned_off(render: Render) -> None:
    assert not by_kind(render(set_values={"networkPolicy.enabled": False}), "NetworkPolicy")
