"""`emer analyze` as a user and a scheduler treat it: SIGTERM mid-run, SIGKILL of the CLI,
a crashed service; each leaves a consistent folder that the next run completes."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from emer_cli.analyze import AnalyzeOptions, run_analysis
from emer_common.bus.embedded import STORE_PREFIX, EmbeddedNats
from emer_common.settings import BusSettings
from tests.conftest import SAMPLES

pytestmark = pytest.mark.integration

CLIPS = 6
FIRST_RESULT_TIMEOUT_S = 600


def manifest(folder: Path, clips: int = CLIPS) -> Path:
    path = folder / "batch.csv"
    samples = sorted(SAMPLES.glob("*.mp4"))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "clip_id"])
        for index in range(clips):
            writer.writerow([samples[index % len(samples)], f"clip_{index}"])
    return path


def start_cli(inputs: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMER_NATS")}
    command = [sys.executable, "-m", "emer_cli.main", "analyze", str(inputs), "--out", str(out)]
    return subprocess.Popen([*command, "--quiet"], env=env, stderr=subprocess.PIPE)


def wait_until(
    condition: Callable[[], bool], timeout_s: float, cli: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert cli.poll() is None, (cli.stderr.read() if cli.stderr else b"").decode()[-3000:]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def result_lines(out: Path) -> list[str]:
    path = out / "results.jsonl"
    return path.read_text().splitlines() if path.exists() else []


def descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def gone(processes: list[psutil.Process], timeout_s: float = 10) -> list[int]:
    _, alive = psutil.wait_procs(processes, timeout=timeout_s)
    return [p.pid for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def test_sigterm_keeps_what_is_done_and_the_next_run_does_the_rest(tmp_path: Path) -> None:
    inputs, out = manifest(tmp_path), tmp_path / "out"
    cli = start_cli(inputs, out)
    wait_until(lambda: len(result_lines(out)) >= 1, FIRST_RESULT_TIMEOUT_S, cli)
    children = descendants(cli.pid)
    assert len(children) >= 5  # nats-server and four services (no references: no scoring)
    signalled = time.monotonic()
    cli.send_signal(signal.SIGTERM)
    assert cli.wait(timeout=30) == 130
    assert time.monotonic() - signalled < 10 + 5  # 10 s goal, slack for a loaded machine
    assert gone(children) == []

    job = json.loads((out / "job.json").read_text())
    assert job["status"]["state"] == "interrupted"
    done = len(result_lines(out))
    assert 1 <= done < CLIPS
    assert (out / "report.html").exists()

    resumed = run_analysis(
        AnalyzeOptions(inputs=(inputs,), out_dir=out, bus=BusSettings(nats_url=None))
    )
    assert resumed.reused == done
    assert len(resumed.results) == CLIPS == len(result_lines(out))
    assert json.loads((out / "job.json").read_text())["status"]["state"] == "done"


def test_a_killed_cli_takes_its_children_and_store_with_it(tmp_path: Path) -> None:
    cli = start_cli(manifest(tmp_path, 3), tmp_path / "out")
    wait_until(lambda: len(descendants(cli.pid)) >= 5, 120, cli)  # nats-server, 4 services
    children = descendants(cli.pid)
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    assert gone(children) == []  # the kernel stops them: parent-death signal
    stores = list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f"{STORE_PREFIX}*"))
    assert any((s / "owner.pid").read_text() == str(cli.pid) for s in stores)
    EmbeddedNats().stop()  # the next embedded run removes stores whose owner is gone
    stores = list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f"{STORE_PREFIX}*"))
    assert not any((s / "owner.pid").read_text() == str(cli.pid) for s in stores)


def test_a_crashed_service_is_restarted_and_the_job_completes(tmp_path: Path) -> None:
    inputs, out = manifest(tmp_path), tmp_path / "out"
    cli = start_cli(inputs, out)
    wait_until(lambda: len(result_lines(out)) >= 1, FIRST_RESULT_TIMEOUT_S, cli)
    audio = next(p for p in descendants(cli.pid) if p.cmdline()[-1:] == ["audio"])
    audio.send_signal(signal.SIGKILL)
    assert cli.wait(timeout=900) == 0, (cli.stderr.read() if cli.stderr else b"").decode()
    records = [json.loads(line) for line in result_lines(out)]
    assert sorted(r["clip_id"] for r in records) == [f"clip_{i}" for i in range(CLIPS)]
    assert all(r["labels"] and not r["missing_modalities"] for r in records)
    job = json.loads((out / "job.json").read_text())
    assert job["status"]["state"] == "done"
    assert job["service_restarts"] == {"audio": 1}
