"""Chaos harness: a batch through `emer analyze --nats-url` on a 3-node JetStream cluster
while service replicas are SIGKILLed, the jobs stream's leader node is SIGKILLed and
restarted, and a fusion replica is SIGSTOPped past its ack_wait.

Every service runs as real `emer serve` processes (``replicas`` of each), every stream has
3 replicas. The same invocation first runs a warm-up batch, then the batch without faults
(the reference wall time), then the batch with faults, and checks: every clip has exactly
one result, no modality is missing, no row is duplicated, no process is left behind.

    .venv/bin/python -m tests.chaos.harness [--clips 30] [--replicas 2]    (make chaos)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from emer_cli.processes import ServiceProcesses
from emer_common.bus.connection import client_env
from emer_common.runtime import Bus, close_bus, open_bus
from emer_common.services import SERVICE_NAMES, service_spec
from emer_common.settings import BusSettings
from tests.chaos.cluster import NatsCluster

REPO = Path(__file__).resolve().parents[2]
SAMPLES = tuple(sorted((REPO / "samples").glob("*.mp4")))
ACK_WAIT_S = 10.0
RESTART_AFTER_S = 3.0
NODE_DOWN_S = 5.0
READY_TIMEOUT_S = 600.0
POLL_S = 0.25

# Delivery settings of every replica: a short ack_wait so that the work of a killed or
# stopped replica is redelivered within seconds, heartbeats well inside it; the default
# backoff (1, 5, 15, 60 s) outlasts a NATS node restart.
WORKER_ENV = {
    "EMER_WORKER_ACK_WAIT_S": str(ACK_WAIT_S),
    "EMER_WORKER_HEARTBEAT_S": "2",
    "OMP_NUM_THREADS": "1",
}


@dataclass
class BatchOutcome:
    name: str
    clips: int
    wall_s: float
    results: list[dict[str, object]]
    exit_code: int
    faults: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything that breaks the delivery guarantees, in words; empty when all held."""
        found: list[str] = []
        ids = [str(r["clip_id"]) for r in self.results]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            found.append(f"{self.name}: duplicated rows for {duplicates}")
        if len(set(ids)) != self.clips:
            found.append(f"{self.name}: {len(set(ids))} of {self.clips} clips have a result")
        for result in self.results:
            missing = result.get("missing_modalities") or []
            codes = [e["code"] for e in result.get("errors") or []]  # type: ignore[attr-defined]
            if missing or codes:
                found.append(f"{self.name}: clip {result['clip_id']} missing={missing} {codes}")
        if self.exit_code != 0:
            found.append(f"{self.name}: emer analyze exited with {self.exit_code}")
        return found


@dataclass
class Fleet:
    """``replicas`` processes of every service, each replica set its own ServiceProcesses."""

    bus: BusSettings
    root: Path
    replicas: int
    sets: list[ServiceProcesses] = field(default_factory=list)
    pids: set[int] = field(default_factory=set)

    def start(self) -> None:
        for index in range(self.replicas):
            running = ServiceProcesses(
                bus_env=client_env(self.bus),
                prefix=self.bus.subject_prefix,
                allowed_roots=(REPO / "samples",),
                log_dir=self.root / "logs" / f"replica-{index + 1}",
                extra_env=WORKER_ENV,
            )
            running.start()
            self.sets.append(running)
        self._remember()

    def _remember(self) -> None:
        self.pids |= {p.pid for s in self.sets for p in s.processes.values()}

    async def wait_ready(self) -> None:
        async with asyncio.timeout(READY_TIMEOUT_S):
            for running in self.sets:
                for name in running.services:
                    while not running.ready(name):
                        running.check()
                        await asyncio.sleep(POLL_S)

    def kill(self, name: str, replica: int = 0) -> None:
        self.sets[replica].processes[name].send_signal(signal.SIGKILL)
        self.sets[replica].processes[name].wait()

    def restart(self, name: str, replica: int = 0) -> None:
        self.sets[replica].start_one(name)
        self._remember()

    def signal(self, name: str, sig: signal.Signals, replica: int) -> None:
        self.sets[replica].processes[name].send_signal(sig)

    def crashed(self) -> list[str]:
        """Processes that exited by themselves (the harness restarts the ones it kills)."""
        return [
            f"{name} replica {index + 1} exited with code {process.returncode}"
            for index, running in enumerate(self.sets)
            for name, process in running.processes.items()
            if process.poll() is not None
        ]

    def redeliveries(self) -> int:
        logs = (self.root / "logs").rglob("*.log")
        return sum(
            path.read_text(errors="replace").count(" redelivered (delivery ") for path in logs
        )

    def stop(self) -> None:
        for running in self.sets:
            running.stop()


def write_manifest(path: Path, clips: int, tag: str) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "clip_id"])
        for index in range(clips):
            sample = SAMPLES[index % len(SAMPLES)]
            writer.writerow([str(sample), f"{tag}_{index:03d}_{sample.stem}"])
    return path


async def run_batch(
    bus: Bus,
    settings: BusSettings,
    root: Path,
    name: str,
    clips: int,
    faults: Callable[[Callable[[], Awaitable[int]], list[str]], Awaitable[None]] | None = None,
) -> BatchOutcome:
    """`emer analyze` on ``clips`` clips, as a user runs it; ``faults`` runs alongside."""
    out = root / name
    manifest = write_manifest(root / f"{name}.csv", clips, name)
    env = {**os.environ, **client_env(settings), "EMER_SUBJECT_PREFIX": settings.subject_prefix}
    command = [sys.executable, "-m", "emer_cli.main", "analyze", str(manifest)]
    command += ["--out", str(out), "--job-id", name, "--timeout-s", "900"]
    started = time.monotonic()
    cli = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    async def results_so_far() -> int:
        try:
            info = await bus.js.stream_info(
                bus.topology.results_stream, subjects_filter=bus.topology.result_subject(name)
            )
        except Exception:
            return 0  # a node is down or a leader is being elected: ask again later
        return sum((info.state.subjects or {}).values())

    injected: list[str] = []
    injector = asyncio.create_task(faults(results_so_far, injected)) if faults else None
    code = await asyncio.to_thread(cli.wait)
    wall = time.monotonic() - started
    if injector is not None:
        injector.cancel()
        await asyncio.gather(injector, return_exceptions=True)
    if code != 0 and cli.stderr is not None:
        print(cli.stderr.read().decode(errors="replace")[-3000:], file=sys.stderr)
    lines = (
        (out / "results.jsonl").read_text().splitlines() if (out / "results.jsonl").exists() else []
    )
    return BatchOutcome(name, clips, wall, [json.loads(line) for line in lines], code, injected)


@dataclass(frozen=True)
class Fault:
    at_s: float
    """Seconds after the batch's first result."""
    action: str
    """``kill:SERVICE``, ``node`` (SIGKILL the jobs stream's leader, restart it) or ``stop``."""


FULL_PLAN = (
    *(Fault(2.0 * index, f"kill:{name}") for index, name in enumerate(SERVICE_NAMES)),
    Fault(10.0, "node"),
    Fault(17.0, "stop"),
)
SHORT_PLAN = (Fault(0.0, "kill:audio"), Fault(3.0, "node"))


def planned_events(plan: tuple[Fault, ...]) -> int:
    """Lines a plan adds to the report: a node restart and a SIGCONT are events too."""
    return sum(2 if fault.action in ("node", "stop") else 1 for fault in plan)


def plan_span_s(plan: tuple[Fault, ...]) -> float:
    ends = {"node": NODE_DOWN_S, "stop": ACK_WAIT_S + 5}
    return max(fault.at_s + ends.get(fault.action, RESTART_AFTER_S) for fault in plan)


def fault_injector(
    cluster: NatsCluster, fleet: Fleet, bus: Bus, plan: tuple[Fault, ...]
) -> Callable[[Callable[[], Awaitable[int]], list[str]], Awaitable[None]]:
    """Faults on a clock that starts at the first result, whatever the machine's speed."""

    async def inject(progress: Callable[[], Awaitable[int]], injected: list[str]) -> None:
        while await progress() < 1:
            await asyncio.sleep(POLL_S)
        started = time.monotonic()
        tasks = []
        for fault in plan:
            await asyncio.sleep(max(0.0, started + fault.at_s - time.monotonic()))
            tasks.append(asyncio.create_task(apply(fault, injected, await progress())))
        await asyncio.gather(*tasks)

    async def apply(fault: Fault, injected: list[str], results: int) -> None:
        if fault.action.startswith("kill:"):
            name = fault.action.removeprefix("kill:")
            spec = bus.topology.consumer(service_spec(name).consumers[0])
            holding = 0
            with contextlib.suppress(Exception):
                holding = (await bus.js.consumer_info(spec.stream, spec.durable)).num_ack_pending
            fleet.kill(name)
            state = "while its service held work" if holding else "while its service was idle"
            injected.append(f"SIGKILL {name} replica 1 {state}, at {results} results")
            await asyncio.sleep(RESTART_AFTER_S)
            fleet.restart(name)
        elif fault.action == "node":
            info = await bus.js.stream_info(bus.topology.jobs_stream)
            leader = cluster.node(info.cluster.leader if info.cluster else "n1")
            cluster.kill_node(leader)
            injected.append(f"SIGKILL NATS node {leader.name} (jobs stream leader)")
            await asyncio.sleep(NODE_DOWN_S)
            await asyncio.to_thread(cluster.start_node, leader)
            injected.append(f"restarted NATS node {leader.name} on its store")
        else:
            replica = min(1, fleet.replicas - 1)
            fleet.signal("fusion", signal.SIGSTOP, replica)
            injected.append(f"SIGSTOP fusion replica {replica + 1} for {ACK_WAIT_S + 5:g} s")
            await asyncio.sleep(ACK_WAIT_S + 5)
            fleet.signal("fusion", signal.SIGCONT, replica)
            injected.append(f"SIGCONT fusion replica {replica + 1}")

    return inject


@dataclass
class ChaosReport:
    plan: tuple[Fault, ...]
    replicas: int
    warmup: BatchOutcome
    reference: BatchOutcome
    chaos: BatchOutcome
    redeliveries: int
    orphans: list[int]
    crashed: list[str]

    def problems(self) -> list[str]:
        found = self.reference.problems() + self.chaos.problems() + self.crashed
        if len(self.chaos.faults) != planned_events(self.plan):
            found.append(
                f"the batch ended after {len(self.chaos.faults)} of "
                f"{planned_events(self.plan)} fault events: {self.chaos.faults}"
            )
        if self.orphans:
            found.append(f"processes left running: {self.orphans}")
        return found

    def table(self) -> str:
        per_clip = self.reference.wall_s / self.reference.clips
        chaos_per_clip = self.chaos.wall_s / self.chaos.clips
        extra = chaos_per_clip - per_clip
        rows = [
            ("clips, batch without faults", f"{self.reference.clips}"),
            ("clips, batch with faults", f"{self.chaos.clips} (sized to outlast the faults)"),
            ("service replicas", f"{self.replicas} of each of {len(SERVICE_NAMES)} services"),
            ("faults injected", f"{len(self.chaos.faults)}"),
            *((" -", fault) for fault in self.chaos.faults),
            ("redeliveries (logged by workers)", f"{self.redeliveries}"),
            ("results, batch without faults", f"{len(self.reference.results)}"),
            ("results, batch with faults", f"{len(self.chaos.results)}"),
            ("wall time without faults", f"{self.reference.wall_s:.1f} s ({per_clip:.2f} s/clip)"),
            ("wall time with faults", f"{self.chaos.wall_s:.1f} s ({chaos_per_clip:.2f} s/clip)"),
            ("extra latency from the faults", f"{extra:+.2f} s/clip ({extra / per_clip:+.0%})"),
            ("lost / duplicated clips", "0 / 0" if not self.problems() else "see problems"),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


async def run_chaos(
    clips: int = 30, replicas: int = 2, root: Path | None = None, short: bool = False
) -> ChaosReport:
    """Warm-up, a batch without faults, then one with the faults of the plan.

    The faulty batch is sized from the reference batch's speed so that it lasts at least
    twice as long as the fault plan: on a fast machine a fixed batch would end before the
    last fault.
    """
    root = root or Path(tempfile.mkdtemp(prefix="emer-chaos-"))
    plan = SHORT_PLAN if short else FULL_PLAN
    with NatsCluster() as cluster:
        settings = cluster.bus_settings("chaos")
        bus = await open_bus(settings, "emer-chaos")
        fleet = Fleet(settings, root, replicas)
        try:
            fleet.start()
            await fleet.wait_ready()
            # every replica of every service handles a few clips before anything is timed
            warmup = await run_batch(bus, settings, root, "warmup", 2 * replicas * len(SAMPLES))
            reference = await run_batch(bus, settings, root, "reference", clips)
            seconds_per_clip = reference.wall_s / clips
            needed = math.ceil(2 * (plan_span_s(plan) + 10.0) / seconds_per_clip)
            chaos = await run_batch(
                bus,
                settings,
                root,
                "chaos",
                max(clips, needed),
                fault_injector(cluster, fleet, bus, plan),
            )
            crashed = fleet.crashed()
        finally:
            fleet.stop()
            await close_bus(bus)
        cluster_pids = cluster.pids()
    alive = [pid for pid in (fleet.pids | set(cluster_pids)) if _alive(pid)]
    return ChaosReport(
        plan, replicas, warmup, reference, chaos, fleet.redeliveries(), alive, crashed
    )


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=30)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="Keep logs and outputs here.")
    parser.add_argument("--short", action="store_true", help="One service kill, one node kill.")
    args = parser.parse_args()
    report = asyncio.run(run_chaos(args.clips, args.replicas, args.keep, args.short))
    print(report.table())
    problems = report.problems()
    for problem in problems:
        print("PROBLEM:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
