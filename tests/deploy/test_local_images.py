"""The text image, built for real (`make images`), serving a clip from a real nats-server.

`deploy/build-local-images.sh` builds the images with buildah on a debootstrap base; this
runs the text container as the chart does (uid 10001, read-only root filesystem, /tmp a
tmpfs), on the host's network so that it reaches the test's nats-server, and checks that it
becomes ready, answers a clip with a text clue report, and counts it in /metrics.
podman's runtime options below are the ones a VM without cgroup v2 delegation and with a
capped RLIMIT_NOFILE needs (docs/deployment.md, "Images built without Docker"); they change
nothing a cluster's runtime would see.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator

import nats.js.errors
import pytest

from emer_common.bus.connection import client_env
from emer_common.bus.embedded import free_port
from emer_common.bus.publish import publish
from emer_common.contracts import ClipJob, ClueReport, ClueStatus, MediaRef, Modality, decode
from emer_common.runtime import Bus
from tests.deploy.chart_support import REPO_ROOT

pytestmark = pytest.mark.slow

VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
IMAGE = f"localhost/emer-text:{VERSION}"
IMAGES_DIR = os.environ.get("EMER_IMAGES_DIR", str(REPO_ROOT / ".cache" / "images"))
STORAGE_CONF = os.path.join(IMAGES_DIR, "storage.conf")
# runc copes with cgroup v1 (crun refuses a hybrid hierarchy); the limits stay at or below
# what an unprivileged VM allows (podman raises them to the maximum by default).
RUN_OPTIONS = (
    "--runtime",
    "runc",
    "--network",
    "host",
    "--ulimit",
    "nofile=4096:4096",
    "--ulimit",
    "nproc=4096:4096",
    "--read-only",
    "--tmpfs",
    "/tmp",
)
READY_TIMEOUT_S = 180


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args],
        env={**os.environ, "CONTAINERS_STORAGE_CONF": STORAGE_CONF},
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


@pytest.fixture
def text_image() -> str:
    if shutil.which("podman") is None or os.geteuid() != 0:
        pytest.skip("needs root and podman (make image-deps)")
    if not os.path.isfile(STORAGE_CONF) or podman("image", "exists", IMAGE, check=False).returncode:
        pytest.skip(f"{IMAGE} is not built; run `make images`")
    return IMAGE


@pytest.fixture
def text_container(text_image: str, bus: Bus) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **client_env(bus.settings),
        "EMER_SUBJECT_PREFIX": bus.topology.prefix,
        "EMER_TEXT_HEALTH_PORT": str(port),
    }
    env_args = [arg for name, value in env.items() for arg in ("--env", f"{name}={value}")]
    started = podman("run", "--detach", *RUN_OPTIONS, *env_args, text_image)
    container = started.stdout.strip()
    try:
        yield container, port
    finally:
        logs = podman("logs", container, check=False)
        print(logs.stdout[-4000:], logs.stderr[-4000:])
        podman("rm", "--force", container, check=False)


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as reply:
            return reply.status, reply.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


async def test_text_container_serves_a_clip(bus: Bus, text_container: tuple[str, int]) -> None:
    container, port = text_container
    async with asyncio.timeout(READY_TIMEOUT_S):
        while _get(port, "/readyz")[0] != 200:
            state = podman("inspect", "--format", "{{.State.Status}}", container, check=False)
            assert state.stdout.strip() == "running", podman("logs", container).stderr[-2000:]
            await asyncio.sleep(0.5)

    job = ClipJob(
        job_id="img",
        clip_id="c1",
        source="call.mp4",
        media=MediaRef(kind="path", path="/nonexistent/call.mp4"),
        subtitle="Nobody has called me back, and I am so worried.",
        modalities=(Modality.TEXT,),
    )
    await publish(bus.js, bus.topology.job_subject("img", "c1"), job, "job.img.c1")
    subject = bus.topology.clue_subject("img", "c1", Modality.TEXT.value)
    async with asyncio.timeout(60):
        while True:
            try:
                msg = await bus.js.get_last_msg(bus.topology.clues_stream, subject)
                break
            except nats.js.errors.NotFoundError:
                await asyncio.sleep(0.2)
    report = decode(ClueReport, msg.data)
    assert report.status is ClueStatus.OK, report.error
    assert report.description and report.emotion_hints

    status, metrics = _get(port, "/metrics")
    assert status == 200
    assert 'emer_messages_total{outcome="ok",service="text"} 1.0' in metrics
