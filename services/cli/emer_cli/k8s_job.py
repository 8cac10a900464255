"""Run ``emer analyze`` as a Kubernetes batch Job over media kept on a PersistentVolumeClaim.

The Job mounts the claim at ``/data`` (the same path the services read media from when the
chart's ``media.existingClaim`` is that claim), submits the videos to the cluster's NATS and
writes ``results.jsonl`` and the report back to the claim. ``build_analyze_job`` is a pure
function (tested without a cluster); ``submit_job`` sends it with the official client.
Mounted by the CLI as ``emer k8s``.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from emer_common.contracts import Modality

if TYPE_CHECKING:
    from kubernetes.client import ApiClient, BatchV1Api, V1Job

logger = logging.getLogger(__name__)

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX_JOB_NAME = 52  # the Job controller appends a 5+ character suffix to pod names (63 max)
NON_ROOT_UID = 10001  # the user of every emer image
NATS_AUTH_DIR = "/var/run/secrets/emer/nats-auth"
NATS_TLS_DIR = "/var/run/secrets/emer/nats-tls"
DAY_S = 24 * 3600


def _default_image() -> str:
    try:
        return f"emer-cli:{version('emer')}"  # the chart's appVersion is the package version
    except PackageNotFoundError:
        return "emer-cli:0.1.0"


class K8sJobSettings(BaseSettings):
    """Defaults of ``emer k8s submit`` (env prefix ``EMER_K8S_``); flags override them."""

    model_config = SettingsConfigDict(env_prefix="EMER_K8S_", extra="ignore", frozen=True)

    namespace: str = "default"
    image: str = Field(default_factory=_default_image, description="Image with the emer CLI.")
    pvc: str | None = Field(default=None, description="Claim holding the media and outputs.")
    mount_path: str = "/data"
    nats_url: str | None = Field(default=None, validation_alias="EMER_NATS_URL")
    subject_prefix: str = Field(default="emer", validation_alias="EMER_SUBJECT_PREFIX")
    service_account: str | None = Field(
        default=None, description="ServiceAccount of the Job's pod (default: the namespace's)."
    )
    image_pull_secrets: tuple[str, ...] = Field(
        default=(), description="Secrets with registry credentials (JSON list)."
    )
    tmp_size_limit: str = Field(
        default="2Gi", description="Size limit of the writable /tmp (the root fs is read-only)."
    )
    backoff_limit: int = Field(default=2, ge=0)
    ttl_after_finished_s: int = Field(default=DAY_S, ge=0)
    cpu: str = "500m"
    memory: str = "1Gi"


@dataclass(frozen=True)
class NatsCredentials:
    """Where the Job finds its NATS credentials: only ever in existing Secrets.

    Key names are the chart's defaults (``bus.auth.*Key``, ``bus.tls.*Key``), so the Secrets
    made for the chart serve the Job unchanged.
    """

    creds_secret: str | None = None
    """Secret with a ``nats.creds`` key (JWT + nkey), mounted as a file."""
    env_secret: str | None = None
    """Secret whose keys are env names, e.g. EMER_NATS_USER / EMER_NATS_PASSWORD."""
    tls_secret: str | None = None
    """Secret with ``ca.crt`` (and, for mutual TLS, ``tls.crt`` / ``tls.key``)."""
    creds_key: str = "nats.creds"
    user_secret: str | None = None
    """Secret with ``username`` and ``password`` keys (the chart's userPassword auth)."""
    token_secret: str | None = None
    """Secret with a ``token`` key (the chart's token auth)."""
    nkey_secret: str | None = None
    """Secret with an ``nkey.seed`` key, mounted as a file (the chart's nkey auth)."""
    tls_client_cert: bool = False
    """Present the Secret's ``tls.crt`` / ``tls.key`` to the server (mutual TLS)."""
    user_key: str = "username"
    password_key: str = "password"
    token_key: str = "token"
    nkey_seed_key: str = "nkey.seed"
    ca_key: str = "ca.crt"
    cert_key: str = "tls.crt"
    key_key: str = "tls.key"

    def __post_init__(self) -> None:
        chosen = [s for s in (self.creds_secret, self.nkey_secret) if s]
        if len(chosen) > 1:
            raise ValueError("give one of --nats-creds-secret and --nats-nkey-secret, not both")
        if self.tls_client_cert and not self.tls_secret:
            raise ValueError(
                "--nats-tls-client-cert needs --nats-tls-secret (ca.crt, tls.crt, tls.key)"
            )


@dataclass(frozen=True)
class AnalyzeJobSpec:
    """Everything one analysis Job needs; paths are inside the container."""

    name: str
    image: str
    pvc: str
    inputs: tuple[str, ...]
    out_dir: str
    nats_url: str
    mount_path: str = "/data"
    subject_prefix: str = "emer"
    modalities: tuple[Modality, ...] = ()
    upload: bool = False
    timeout_s: float | None = None
    credentials: NatsCredentials = field(default_factory=NatsCredentials)
    service_account: str | None = None
    image_pull_secrets: tuple[str, ...] = ()
    tmp_size_limit: str = "2Gi"
    backoff_limit: int = 2
    ttl_after_finished_s: int = DAY_S
    cpu: str = "500m"
    memory: str = "1Gi"
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.name) > MAX_JOB_NAME or not DNS_LABEL.match(self.name):
            raise ValueError(
                f"job name {self.name!r} must be lower-case letters, digits and '-', at most "
                f"{MAX_JOB_NAME} characters (e.g. emer-analyze-batch1)"
            )
        if not self.inputs:
            raise ValueError("give at least one input path on the claim, e.g. /data/videos")
        for path in (*self.inputs, self.out_dir):
            _require_under(path, self.mount_path)
        if not self.nats_url.startswith(("nats://", "tls://")):
            raise ValueError(
                f"nats url {self.nats_url!r} must start with nats:// or tls://, e.g. "
                "nats://nats.nats.svc.cluster.local:4222"
            )


def _require_under(path: str, mount_path: str) -> None:
    pure = PurePosixPath(path)
    root = PurePosixPath(mount_path)
    if not pure.is_absolute() or ".." in pure.parts or not pure.is_relative_to(root):
        raise ValueError(
            f"{path!r} is not on the claim: use an absolute path under {mount_path}, "
            f"e.g. {root / 'videos'}"
        )


def analyze_command(spec: AnalyzeJobSpec) -> list[str]:
    """Arguments of ``emer`` in the Job's container."""
    args = ["analyze", *spec.inputs, "--out", spec.out_dir, "--nats-url", spec.nats_url]
    # The Job name doubles as the emer job id, so a retried pod resumes the same job and
    # the bus deduplicates what the first attempt already published.
    args += ["--job-id", spec.name]
    args.append("--upload" if spec.upload else "--no-upload")
    for modality in spec.modalities:
        args += ["--modality", modality.value]
    if spec.timeout_s is not None:
        args += ["--timeout-s", f"{spec.timeout_s:g}"]
    return args


def _env(spec: AnalyzeJobSpec) -> list[Any]:
    from kubernetes.client import V1EnvVar, V1EnvVarSource, V1SecretKeySelector

    values = {
        "EMER_SUBJECT_PREFIX": spec.subject_prefix,
        "EMER_MEDIA_ALLOWED_ROOTS": json.dumps([spec.mount_path]),
        "HOME": "/tmp/home",
    }
    creds = spec.credentials
    if creds.creds_secret:
        values["EMER_NATS_CREDS_FILE"] = f"{NATS_AUTH_DIR}/{creds.creds_key}"
    if creds.nkey_secret:
        values["EMER_NATS_NKEY_SEED_FILE"] = f"{NATS_AUTH_DIR}/{creds.nkey_seed_key}"
    if creds.tls_secret:
        values["EMER_NATS_TLS_CA_FILE"] = f"{NATS_TLS_DIR}/{creds.ca_key}"
        if creds.tls_client_cert:
            values["EMER_NATS_TLS_CERT_FILE"] = f"{NATS_TLS_DIR}/{creds.cert_key}"
            values["EMER_NATS_TLS_KEY_FILE"] = f"{NATS_TLS_DIR}/{creds.key_key}"
    env = [V1EnvVar(name=name, value=value) for name, value in values.items()]
    secret_keys: list[tuple[str, str | None, str]] = [
        ("EMER_NATS_USER", creds.user_secret, creds.user_key),
        ("EMER_NATS_PASSWORD", creds.user_secret, creds.password_key),
        ("EMER_NATS_TOKEN", creds.token_secret, creds.token_key),
    ]
    for name, secret, key in secret_keys:
        if secret:
            ref = V1SecretKeySelector(name=secret, key=key)
            env.append(V1EnvVar(name=name, value_from=V1EnvVarSource(secret_key_ref=ref)))
    return env


def _volumes(spec: AnalyzeJobSpec) -> tuple[list[Any], list[Any]]:
    from kubernetes.client import (
        V1EmptyDirVolumeSource,
        V1PersistentVolumeClaimVolumeSource,
        V1SecretVolumeSource,
        V1Volume,
        V1VolumeMount,
    )

    volumes = [
        V1Volume(
            name="data",
            persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(claim_name=spec.pvc),
        ),
        V1Volume(name="tmp", empty_dir=V1EmptyDirVolumeSource(size_limit=spec.tmp_size_limit)),
    ]
    mounts = [
        V1VolumeMount(name="data", mount_path=spec.mount_path),
        V1VolumeMount(name="tmp", mount_path="/tmp"),
    ]
    creds = spec.credentials
    secret_mounts = {
        "nats-auth": (creds.creds_secret or creds.nkey_secret, NATS_AUTH_DIR),
        "nats-tls": (creds.tls_secret, NATS_TLS_DIR),
    }
    for name, (secret, path) in secret_mounts.items():
        if secret:
            source = V1SecretVolumeSource(secret_name=secret, default_mode=0o440)
            volumes.append(V1Volume(name=name, secret=source))
            mounts.append(V1VolumeMount(name=name, mount_path=path, read_only=True))
    return volumes, mounts


def build_analyze_job(spec: AnalyzeJobSpec) -> V1Job:
    """The Job object for one analysis run; pure, no cluster access."""
    from kubernetes.client import (
        V1Capabilities,
        V1Container,
        V1EnvFromSource,
        V1Job,
        V1JobSpec,
        V1LocalObjectReference,
        V1ObjectMeta,
        V1PodSecurityContext,
        V1PodSpec,
        V1PodTemplateSpec,
        V1ResourceRequirements,
        V1SeccompProfile,
        V1SecretEnvSource,
        V1SecurityContext,
    )

    labels = {
        "app.kubernetes.io/name": "emer",
        "app.kubernetes.io/component": "analyze",
        "app.kubernetes.io/managed-by": "emer-cli",
        "app.kubernetes.io/part-of": "emer",
        **spec.labels,
    }
    volumes, mounts = _volumes(spec)
    env_from = []
    if spec.credentials.env_secret:
        env_from.append(
            V1EnvFromSource(secret_ref=V1SecretEnvSource(name=spec.credentials.env_secret))
        )
    container = V1Container(
        name="analyze",
        image=spec.image,
        command=["emer"],
        args=analyze_command(spec),
        env=_env(spec),
        env_from=env_from or None,
        resources=V1ResourceRequirements(
            requests={"cpu": spec.cpu, "memory": spec.memory}, limits={"memory": spec.memory}
        ),
        security_context=V1SecurityContext(
            run_as_non_root=True,
            allow_privilege_escalation=False,
            privileged=False,
            read_only_root_filesystem=True,
            capabilities=V1Capabilities(drop=["ALL"]),
            seccomp_profile=V1SeccompProfile(type="RuntimeDefault"),
        ),
        volume_mounts=mounts,
    )
    pod = V1PodSpec(
        restart_policy="Never",
        containers=[container],
        volumes=volumes,
        service_account_name=spec.service_account,
        automount_service_account_token=False,
        image_pull_secrets=[V1LocalObjectReference(name=n) for n in spec.image_pull_secrets]
        or None,
        security_context=V1PodSecurityContext(
            run_as_non_root=True,
            run_as_user=NON_ROOT_UID,
            run_as_group=NON_ROOT_UID,
            fs_group=NON_ROOT_UID,
            seccomp_profile=V1SeccompProfile(type="RuntimeDefault"),
        ),
    )
    return V1Job(
        api_version="batch/v1",
        kind="Job",
        metadata=V1ObjectMeta(name=spec.name, labels=labels),
        spec=V1JobSpec(
            backoff_limit=spec.backoff_limit,
            ttl_seconds_after_finished=spec.ttl_after_finished_s,
            template=V1PodTemplateSpec(metadata=V1ObjectMeta(labels=labels), spec=pod),
        ),
    )


def job_manifest(job: V1Job) -> dict[str, Any]:
    """The Job as the plain dict kubectl would apply (camelCase keys, no nulls)."""
    from kubernetes.client import ApiClient

    manifest: dict[str, Any] = ApiClient().sanitize_for_serialization(job)  # type: ignore[no-untyped-call]
    return manifest


def api_client(kubeconfig: Path | None = None, context: str | None = None) -> ApiClient:
    """A client for the cluster: in-cluster credentials when running in a pod, else kubeconfig."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    configuration = client.Configuration()
    if kubeconfig is None and context is None:
        try:
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
            return client.ApiClient(configuration)
        except ConfigException:
            pass
    config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig) if kubeconfig else None,
        context=context,
        client_configuration=configuration,
        persist_config=False,
    )
    return client.ApiClient(configuration)


def submit_job(job: V1Job, namespace: str, api: BatchV1Api) -> V1Job:
    """Create the Job with ``BatchV1Api.create_namespaced_job``; returns the server's copy."""
    created: V1Job = api.create_namespaced_job(namespace=namespace, body=job)
    logger.info("created job %s/%s", namespace, job.metadata.name if job.metadata else "?")
    return created


k8s_app = typer.Typer(no_args_is_help=True)


@k8s_app.callback()
def k8s_group() -> None:
    """Run emer on a Kubernetes cluster."""  # a callback keeps `submit` a subcommand


@k8s_app.command("submit")
def submit_command(
    inputs: Annotated[
        list[str], typer.Argument(help="Videos, folders or manifests on the claim, e.g. /data/in.")
    ],
    pvc: Annotated[str | None, typer.Option(help="Claim with the media; outputs go there.")] = None,
    nats_url: Annotated[str | None, typer.Option(help="NATS URL as seen from the cluster.")] = None,
    out: Annotated[
        str | None, typer.Option(help="Output folder (default <mount>/out/<name>).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Job name, also the emer job id.")] = None,
    namespace: Annotated[str | None, typer.Option("--namespace", "-n")] = None,
    image: Annotated[str | None, typer.Option(help="Image with the emer CLI.")] = None,
    modality: Annotated[
        list[Modality] | None, typer.Option(help="Modalities to run (repeatable; default all).")
    ] = None,
    upload: Annotated[
        bool, typer.Option(help="Send media through the NATS object store instead of the claim.")
    ] = False,
    timeout_s: Annotated[
        float | None, typer.Option(help="Give up waiting after this long.")
    ] = None,
    nats_creds_secret: Annotated[
        str | None, typer.Option(help="Secret with a nats.creds key.")
    ] = None,
    nats_env_secret: Annotated[
        str | None, typer.Option(help="Secret of EMER_NATS_* env vars (user/password, token).")
    ] = None,
    nats_user_secret: Annotated[
        str | None, typer.Option(help="Secret with username and password keys (as the chart's).")
    ] = None,
    nats_token_secret: Annotated[
        str | None, typer.Option(help="Secret with a token key (as the chart's).")
    ] = None,
    nats_nkey_secret: Annotated[
        str | None, typer.Option(help="Secret with an nkey.seed key (as the chart's).")
    ] = None,
    nats_tls_secret: Annotated[
        str | None, typer.Option(help="Secret with ca.crt (and tls.crt, tls.key).")
    ] = None,
    nats_tls_client_cert: Annotated[
        bool, typer.Option(help="Present tls.crt/tls.key from the TLS Secret (mutual TLS).")
    ] = False,
    service_account: Annotated[
        str | None, typer.Option(help="ServiceAccount of the Job's pod.")
    ] = None,
    image_pull_secret: Annotated[
        list[str] | None, typer.Option(help="Secret with registry credentials (repeatable).")
    ] = None,
    kubeconfig: Annotated[Path | None, typer.Option(help="kubeconfig file.")] = None,
    context: Annotated[str | None, typer.Option(help="kubeconfig context.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the Job as YAML instead of creating it.")
    ] = False,
) -> None:
    """Analyse videos stored on a PVC with a Kubernetes Job running `emer analyze`."""
    settings = K8sJobSettings()
    claim = pvc or settings.pvc
    url = nats_url or settings.nats_url
    if not claim:
        raise typer.BadParameter("name the claim with --pvc (or EMER_K8S_PVC)", param_hint="--pvc")
    if not url:
        raise typer.BadParameter(
            "give --nats-url (or EMER_NATS_URL), e.g. nats://nats.nats.svc.cluster.local:4222",
            param_hint="--nats-url",
        )
    job_name = name or f"emer-analyze-{secrets.token_hex(3)}"
    mount = settings.mount_path
    try:
        spec = AnalyzeJobSpec(
            name=job_name,
            image=image or settings.image,
            pvc=claim,
            inputs=tuple(inputs),
            out_dir=out or f"{mount.rstrip('/')}/out/{job_name}",
            nats_url=url,
            mount_path=mount,
            subject_prefix=settings.subject_prefix,
            modalities=tuple(modality or ()),
            upload=upload,
            timeout_s=timeout_s,
            credentials=NatsCredentials(
                creds_secret=nats_creds_secret,
                env_secret=nats_env_secret,
                tls_secret=nats_tls_secret,
                user_secret=nats_user_secret,
                token_secret=nats_token_secret,
                nkey_secret=nats_nkey_secret,
                tls_client_cert=nats_tls_client_cert,
            ),
            service_account=service_account or settings.service_account,
            image_pull_secrets=tuple(image_pull_secret or settings.image_pull_secrets),
            tmp_size_limit=settings.tmp_size_limit,
            backoff_limit=settings.backoff_limit,
            ttl_after_finished_s=settings.ttl_after_finished_s,
            cpu=settings.cpu,
            memory=settings.memory,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    job = build_analyze_job(spec)
    ns = namespace or settings.namespace
    if dry_run:
        import yaml

        manifest = {**job_manifest(job)}
        manifest["metadata"] = {**manifest["metadata"], "namespace": ns}
        typer.echo(yaml.safe_dump(manifest, sort_keys=False), nl=False)
        return
    from kubernetes.client import BatchV1Api
    from kubernetes.client.exceptions import ApiException

    try:
        submit_job(job, ns, BatchV1Api(api_client(kubeconfig, context)))
    except ApiException as error:
        typer.echo(f"the cluster refused the job: {error.status} {error.reason}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(f"job {ns}/{job_name} created; results: {spec.out_dir}/results.jsonl on {claim}")
    typer.echo(f"follow it: kubectl -n {ns} logs -f job/{job_name}")
