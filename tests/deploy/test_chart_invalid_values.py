"""Wrong values fail the install with a message that says what to change.

Type and shape errors are caught by values.schema.json; inconsistent combinations by the
chart's validateValues, whose messages name the key and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emer_common.services import SERVICE_NAMES
from tests.deploy.chart_support import GPU_VALUES, run_helm, template_args

pytestmark = [pytest.mark.unit, pytest.mark.chart]

SERVICES = SERVICE_NAMES

INVALID: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("empty bus url", {"bus.url": ""}, ("bus.url is empty", "--set bus.url=nats://")),
    ("http bus url", {"bus.url": "http://nats:8222"}, ("not a NATS URL", "tls://host:4222")),
    (
        "auth without secret",
        {"bus.auth.type": "creds"},
        ("bus.auth.existingSecret is empty", "kubectl create secret"),
    ),
    (
        "tls without secret",
        {"bus.tls.enabled": True, "bus.url": "tls://nats:4222"},
        ("bus.tls.existingSecret is empty",),
    ),
    (
        "tls on a plain url",
        {"bus.tls.enabled": True, "bus.tls.existingSecret": "ca"},
        ("Use tls://host:4222",),
    ),
    (
        "gpu on a cpu service",
        {"services.scoring.gpu.enabled": True},
        ("services.scoring.gpu.enabled is true", "CPU only", "Remove services.scoring.gpu"),
    ),
    (
        "min above max",
        {
            "services.audio.autoscaling.enabled": True,
            "services.audio.autoscaling.minReplicas": 5,
            "services.audio.autoscaling.maxReplicas": 2,
        },
        ("minReplicas (5) is above maxReplicas (2)",),
    ),
    (
        "scale to zero without keda",
        {
            "services.audio.autoscaling.enabled": True,
            "services.audio.autoscaling.minReplicas": 0,
        },
        ("needs KEDA", "keda.enabled=true"),
    ),
    (
        "keda without monitoring endpoint",
        {"keda.enabled": True, "keda.natsMonitoringEndpoint": ""},
        ("keda.natsMonitoringEndpoint is empty", ":8222"),
    ),
    (
        "openai backend without server",
        {"services.fusion.backend": "openai"},
        ("services.fusion.openai.baseUrl", "vllm.enabled=true"),
    ),
    (
        "vllm unused",
        {"vllm.enabled": True, "modelCache.existingClaim": "models"},
        ("nothing would use it", "services.fusion.backend=openai"),
    ),
    (
        "vllm model on an empty cache",
        {"vllm.enabled": True, "services.fusion.backend": "openai"},
        ("model cache is an empty per-pod volume", "modelCache.existingClaim"),
    ),
    (
        "password in plain env",
        {"services.fusion.env.EMER_FUSION_OPENAI_API_KEY": "sk-123"},
        ("services.fusion.env.EMER_FUSION_OPENAI_API_KEY looks like a secret", "apiKeySecret"),
    ),
    (
        "token in extraEnv",
        {"extraEnv.EMER_NATS_TOKEN": "abc"},
        ("extraEnv.EMER_NATS_TOKEN looks like a secret", "bus.auth.existingSecret"),
    ),
    ("latest tag", {"services.audio.image.tag": "latest"}, ('is "latest"', "Pin a version")),
    (
        "root user",
        {"podSecurityContext.runAsNonRoot": False},
        ("runAsNonRoot must stay true",),
    ),
    (
        "every service off",
        {f"services.{name}.enabled": False for name in SERVICES},
        ("every service is disabled",),
    ),
    # Caught by values.schema.json (helm 3 and 4 word these differently: match loosely):
    ("unknown auth type", {"bus.auth.type": "kerberos"}, ("auth", "userPassword")),
    ("misspelt key", {"services.audio.replicas": 2}, ("replicas",)),
    ("bad prefix", {"bus.subjectPrefix": "Emer.Prod"}, ("subjectPrefix",)),
    ("bad port", {"health.port": 70000}, ("health", "port")),
]


@pytest.mark.parametrize(
    ("set_values", "expected"),
    [pytest.param(values, expected, id=case) for case, values, expected in INVALID],
)
def test_invalid_values_fail_with_a_fix(
    helm: Path, set_values: dict[str, Any], expected: tuple[str, ...]
) -> None:
    result = run_helm(helm, *template_args(set_values=set_values))
    assert result.returncode != 0, f"rendered although invalid: {set_values}"
    for fragment in expected:
        assert fragment in result.stderr, result.stderr


def test_all_problems_are_reported_at_once(helm: Path) -> None:
    result = run_helm(
        helm,
        *template_args(
            set_values={"bus.url": "", "services.text.gpu.enabled": True, "image.tag": "latest"}
        ),
    )
    assert result.returncode != 0
    messages = [line for line in result.stderr.splitlines() if line.startswith("- ")]
    assert len(messages) == 3, result.stderr


def test_valid_overrides_still_render(helm: Path) -> None:
    """The fixes the messages suggest are accepted."""
    result = run_helm(
        helm,
        *template_args(
            [GPU_VALUES],
            {
                "bus.auth.type": "userPassword",
                "bus.auth.existingSecret": "emer-nats",
                "services.audio.autoscaling.minReplicas": 0,
            },
        ),
    )
    assert result.returncode == 0, result.stderr
