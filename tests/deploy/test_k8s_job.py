"""`emer k8s submit`: the analysis Job object, and its submission through the real client.

No Kubernetes API server can run here, so submission goes to a small local HTTP server that
answers like one: the official client's request (method, path, JSON body) is what is checked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes.client import ApiClient, BatchV1Api, Configuration
from typer.testing import CliRunner

from emer_cli.k8s_job import (
    AnalyzeJobSpec,
    NatsCredentials,
    analyze_command,
    build_analyze_job,
    job_manifest,
    k8s_app,
    submit_job,
)
from emer_common.contracts import Modality
from tests.deploy.chart_support import CHART_DIR, assert_restricted

pytestmark = [pytest.mark.unit, pytest.mark.chart]

NATS_URL = "nats://nats.nats.svc.cluster.local:4222"


def spec(**overrides: Any) -> AnalyzeJobSpec:
    fields: dict[str, Any] = {
        "name": "emer-analyze-test",
        "image": "registry.example.com/emer/emer-cli:0.1.0",
        "pvc": "emer-media",
        "inputs": ("/data/videos",),
        "out_dir": "/data/out/emer-analyze-test",
        "nats_url": NATS_URL,
    }
    return AnalyzeJobSpec(**{**fields, **overrides})


def test_job_runs_emer_analyze_on_the_claim() -> None:
    job = job_manifest(build_analyze_job(spec(modalities=(Modality.AUDIO, Modality.TEXT))))
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"] == ["emer"]
    assert container["args"] == [
        "analyze",
        "/data/videos",
        "--out",
        "/data/out/emer-analyze-test",
        "--nats-url",
        NATS_URL,
        "--job-id",
        "emer-analyze-test",
        "--no-upload",
        "--modality",
        "audio",
        "--modality",
        "text",
    ]
    claim = next(v for v in pod["volumes"] if v["name"] == "data")
    assert claim["persistentVolumeClaim"]["claimName"] == "emer-media"
    mount = next(m for m in container["volumeMounts"] if m["name"] == "data")
    assert mount == {"name": "data", "mountPath": "/data"}, "outputs are written to the claim"
    env = {e["name"]: e["value"] for e in container["env"]}
    assert json.loads(env["EMER_MEDIA_ALLOWED_ROOTS"]) == ["/data"]
    assert pod["restartPolicy"] == "Never"
    assert job["spec"]["ttlSecondsAfterFinished"] > 0


@pytest.mark.parametrize("version", ["1.27.0", kubernetes_validate.utils.latest_version()])
def test_job_matches_the_kubernetes_schema(version: str) -> None:
    creds = NatsCredentials(creds_secret="nats-creds", env_secret="nats-env", tls_secret="ca")
    manifest = job_manifest(build_analyze_job(spec(credentials=creds, timeout_s=600.0)))
    kubernetes_validate.validate(manifest, version, strict=True)


def test_job_pod_is_restricted() -> None:
    manifest = job_manifest(build_analyze_job(spec()))
    manifest["metadata"]["name"] = "analyze"
    assert_restricted({**manifest, "kind": "Job"})


def test_credentials_come_from_secrets() -> None:
    creds = NatsCredentials(creds_secret="nats-creds", env_secret="nats-env", tls_secret="ca")
    container = job_manifest(build_analyze_job(spec(credentials=creds)))["spec"]["template"][
        "spec"
    ]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["EMER_NATS_CREDS_FILE"] == "/var/run/secrets/emer/nats-auth/nats.creds"
    assert env["EMER_NATS_TLS_CA_FILE"] == "/var/run/secrets/emer/nats-tls/ca.crt"
    assert container["envFrom"] == [{"secretRef": {"name": "nats-env"}}]
    assert not any("PASSWORD" in name or "TOKEN" in name for name in env)
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["nats-auth"]["readOnly"] is True


def test_upload_and_timeout_flags() -> None:
    args = analyze_command(spec(upload=True, timeout_s=900.0))
    assert "--upload" in args and "--no-upload" not in args
    assert args[args.index("--timeout-s") + 1] == "900"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Emer_Job"}, "lower-case"),
        ({"name": "x" * 60}, "at most 52"),
        ({"inputs": ()}, "at least one input"),
        ({"inputs": ("videos",)}, "absolute path under /data"),
        ({"inputs": ("/data/../etc/passwd",)}, "not on the claim"),
        ({"inputs": ("/srv/videos",)}, "not on the claim"),
        ({"out_dir": "/tmp/out"}, "not on the claim"),
        ({"nats_url": "http://nats:8222"}, "nats:// or tls://"),
    ],
)
def test_invalid_specs_say_what_to_fix(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        spec(**overrides)


class FakeApiServer:
    """Answers POSTs to the Jobs collection like an API server, and records them."""

    def __init__(self, status: HTTPStatus = HTTPStatus.CREATED) -> None:
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                recorder.requests.append(("POST", self.path, body))
                if status is HTTPStatus.CREATED:
                    reply = {**body, "metadata": {**body["metadata"], "uid": "u-1"}}
                else:
                    reply = {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "reason": "AlreadyExists",
                        "code": int(status),
                    }
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeApiServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api_server() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        yield server


def test_submit_posts_the_job_with_the_official_client(api_server: FakeApiServer) -> None:
    configuration = Configuration(host=api_server.url)
    job = build_analyze_job(spec())
    created = submit_job(job, "emer", BatchV1Api(ApiClient(configuration)))
    assert created.metadata.uid == "u-1"
    [(method, path, body)] = api_server.requests
    assert (method, path) == ("POST", "/apis/batch/v1/namespaces/emer/jobs")
    assert body == job_manifest(job)


def _kubeconfig(tmp_path: Path, server: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "test", "cluster": {"server": server}}],
        "users": [{"name": "test", "user": {"token": "t"}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
        "current-context": "test",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_cli_submits_through_kubeconfig(api_server: FakeApiServer, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        k8s_app,
        [
            "submit",
            "/data/in",
            "--pvc",
            "media",
            "--nats-url",
            NATS_URL,
            "--name",
            "batch-1",
            "-n",
            "emer",
            "--kubeconfig",
            str(_kubeconfig(tmp_path, api_server.url)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "job emer/batch-1 created" in result.output
    assert "/data/out/batch-1/results.jsonl" in result.output
    [(_, path, body)] = api_server.requests
    assert path == "/apis/batch/v1/namespaces/emer/jobs"
    assert body["metadata"]["name"] == "batch-1"


def test_cli_reports_a_refusal(tmp_path: Path) -> None:
    with FakeApiServer(HTTPStatus.CONFLICT) as server:
        result = CliRunner().invoke(
            k8s_app,
            [
                "submit",
                "/data/in",
                "--pvc",
                "media",
                "--nats-url",
                NATS_URL,
                "--name",
                "b",
                "--kubeconfig",
                str(_kubeconfig(tmp_path, server.url)),
            ],
        )
    assert result.exit_code == 1
    assert "refused the job: 409" in result.output


def test_cli_dry_run_prints_the_manifest() -> None:
    result = CliRunner().invoke(
        k8s_app,
        [
            "submit",
            "/data/in",
            "--pvc",
            "media",
            "--nats-url",
            NATS_URL,
            "--name",
            "dry",
            "--dry-run",
            "--nats-env-secret",
            "emer-nats",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    assert manifest["kind"] == "Job" and manifest["metadata"]["namespace"] == "default"
    kubernetes_validate.validate(manifest, kubernetes_validate.utils.latest_version(), True)


def test_cli_asks_for_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMER_NATS_URL", raising=False)
    monkeypatch.delenv("EMER_K8S_PVC", raising=False)
    no_claim = CliRunner().invoke(k8s_app, ["submit", "/data/in", "--nats-url", NATS_URL])
    assert no_claim.exit_code != 0 and "--pvc" in no_claim.output
    no_url = CliRunner().invoke(k8s_app, ["submit", "/data/in", "--pvc", "media"])
    assert no_url.exit_code != 0 and "--nats-url" in no_url.output
    outside = CliRunner().invoke(
        k8s_app, ["submit", "/home/me/v.mp4", "--pvc", "m", "--nats-url", NATS_URL, "--dry-run"]
    )
    assert outside.exit_code != 0 and "not on the claim" in outside.output


def test_emer_cli_mounts_the_k8s_commands() -> None:
    from emer_cli.main import app

    result = CliRunner().invoke(app, ["k8s", "submit", "--help"])
    assert result.exit_code == 0, result.output
    assert "--pvc" in result.output


def _chart_values() -> dict[str, Any]:
    return dict(yaml.safe_load((CHART_DIR / "values.yaml").read_text()))


def test_job_reads_the_charts_secrets_with_mutual_tls() -> None:
    """The Secrets made for the chart (its default key names) serve the Job unchanged."""
    auth = _chart_values()["bus"]["auth"]
    tls = _chart_values()["bus"]["tls"]
    creds = NatsCredentials(user_secret="emer-nats", tls_secret="emer-mtls", tls_client_cert=True)
    job = job_manifest(build_analyze_job(spec(credentials=creds)))
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["EMER_NATS_USER"]["valueFrom"]["secretKeyRef"] == {
        "name": "emer-nats",
        "key": auth["userKey"],
    }
    assert env["EMER_NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == auth["passwordKey"]
    tls_dir = "/var/run/secrets/emer/nats-tls"
    assert env["EMER_NATS_TLS_CA_FILE"]["value"] == f"{tls_dir}/{tls['caKey']}"
    assert env["EMER_NATS_TLS_CERT_FILE"]["value"] == f"{tls_dir}/{tls['certKey']}"
    assert env["EMER_NATS_TLS_KEY_FILE"]["value"] == f"{tls_dir}/{tls['keyKey']}"
    token = NatsCredentials(token_secret="t")
    token_env = job_manifest(build_analyze_job(spec(credentials=token)))["spec"]["template"][
        "spec"
    ]["containers"][0]["env"]
    ref = next(e for e in token_env if e["name"] == "EMER_NATS_TOKEN")["valueFrom"]
    assert ref["secretKeyRef"]["key"] == auth["tokenKey"]
    nkey = NatsCredentials(nkey_secret="seed")
    nkey_env = {
        e["name"]: e.get("value")
        for e in job_manifest(build_analyze_job(spec(credentials=nkey)))["spec"]["template"][
            "spec"
        ]["containers"][0]["env"]
    }
    assert nkey_env["EMER_NATS_NKEY_SEED_FILE"].endswith("/" + auth["nkeySeedKey"])
    kubernetes_validate.validate(job, kubernetes_validate.utils.latest_version(), strict=True)


def test_job_takes_pull_secrets_a_service_account_and_a_bounded_tmp() -> None:
    job = job_manifest(
        build_analyze_job(spec(image_pull_secrets=("regcred",), service_account="emer-batch"))
    )
    pod = job["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    assert pod["serviceAccountName"] == "emer-batch"
    tmp = next(v for v in pod["volumes"] if v["name"] == "tmp")
    assert tmp["emptyDir"]["sizeLimit"] == _chart_values()["tmpSizeLimit"]


def test_cli_flags_for_mtls_pull_secrets_and_service_account() -> None:
    result = CliRunner().invoke(
        k8s_app,
        [
            "submit",
            "/data/in",
            "--pvc",
            "media",
            "--nats-url",
            "tls://nats.nats.svc.cluster.local:4222",
            "--name",
            "dry",
            "--dry-run",
            "--nats-creds-secret",
            "emer-nats-creds",
            "--nats-tls-secret",
            "emer-mtls",
            "--nats-tls-client-cert",
            "--image-pull-secret",
            "regcred",
            "--service-account",
            "emer-batch",
        ],
    )
    assert result.exit_code == 0, result.output
    pod = yaml.safe_load(result.output)["spec"]["template"]["spec"]
    env = {e["name"] for e in pod["containers"][0]["env"]}
    assert {"EMER_NATS_CREDS_FILE", "EMER_NATS_TLS_CERT_FILE", "EMER_NATS_TLS_KEY_FILE"} <= env
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    assert pod["serviceAccountName"] == "emer-batch"
    lonely = CliRunner().invoke(
        k8s_app,
        ["submit", "/data/in", "--pvc", "m", "--nats-url", NATS_URL, "--nats-tls-client-cert"],
    )
    assert lonely.exit_code != 0 and "--nats-tls-secret" in lonely.output
