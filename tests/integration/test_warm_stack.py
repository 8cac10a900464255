"""`emer up` keeps a warm stack; `emer analyze` uses it; `emer down` leaves nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.conftest import SAMPLES

pytestmark = pytest.mark.integration


def emer(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "emer_cli.main", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_up_analyze_down(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMER_NATS")}
    # a private home for the stack's state; the converted fusion model stays shared
    env["EMER_FUSION_MODEL_CACHE_DIR"] = str(Path.home() / ".cache" / "emer" / "models")
    env["HOME"] = str(tmp_path / "home")
    up = emer("up", "--root", str(SAMPLES), env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    state = json.loads((tmp_path / "home/.cache/emer/stack/stack.json").read_text())
    stack = psutil.Process(state["pid"])
    children = stack.children(recursive=True)
    try:
        out = tmp_path / "out"
        run = emer("analyze", str(SAMPLES / "happy_news.mp4"), "--out", str(out), env=env)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "using the warm local stack" in run.stderr
        (line,) = (out / "results.jsonl").read_text().splitlines()
        assert json.loads(line)["labels"]
        assert stack.children(recursive=True)  # still up for the next command
    finally:
        down = emer("down", env=env)
    assert down.returncode == 0 and "stopped" in down.stdout
    _, alive = psutil.wait_procs([stack, *children], timeout=30)
    assert [p.pid for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    assert emer("down", env=env).stdout.strip() == "no local stack was running"
