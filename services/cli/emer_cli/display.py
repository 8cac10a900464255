"""What `emer analyze` shows while it works: each service's start-up, then the clips with an
ETA. A local run spends its first tens of seconds loading models; saying so beats a bar that
sits at zero."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from emer_cli.processes import ServiceProcesses


@dataclass
class JobDisplay:
    bar: Progress
    clips: TaskID
    processes: ServiceProcesses | None = None
    services: dict[str, TaskID] = field(default_factory=dict)

    def advance(self) -> None:
        self.bar.advance(self.clips)

    def refresh_services(self) -> None:
        """Mark services ready as their readiness probes (models loaded) turn green."""
        if self.processes is None:
            return
        for name, task in list(self.services.items()):
            if self.processes.ready(name):
                self.bar.update(task, completed=1, description=f"{name}: ready")
                del self.services[name]


@contextmanager
def job_display(
    console: Console, job_id: str, clips: int, processes: ServiceProcesses | None
) -> Iterator[JobDisplay]:
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
    )
    with bar:
        display = JobDisplay(bar, TaskID(0), processes)
        if processes is not None:
            for name in processes.services:
                task = bar.add_task(f"{name}: loading models", total=1)
                display.services[name] = task
        display.clips = bar.add_task(f"[bold]{job_id}[/] clips", total=clips)
        yield display
