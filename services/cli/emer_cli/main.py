"""The ``emer`` command line."""

from __future__ import annotations

import asyncio
import importlib
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from emer_cli.export import export_command
from emer_common.contracts import CLIP_ID_PATTERN, Modality
from emer_common.logging_setup import configure_logging
from emer_common.settings import BusSettings

app = typer.Typer(no_args_is_help=True, help="Explainable multimodal emotion recognition.")
bus_app = typer.Typer(no_args_is_help=True, help="Inspect and prepare the NATS bus.")
app.add_typer(bus_app, name="bus")
console = Console()
app.command("export")(export_command)

SERVICE_MODULES = {
    "visual": ("emer_visual.service", "emer_visual.settings", "VisualSettings"),
    "audio": ("emer_audio.service", "emer_audio.settings", "AudioSettings"),
    "text": ("emer_text.service", "emer_text.settings", "TextSettings"),
    "fusion": ("emer_fusion.service", "emer_fusion.settings", "FusionSettings"),
    "scoring": ("emer_scoring.service", "emer_scoring.settings", "ScoringSettings"),
}

# Sub-apps owned by their services; mounted when their packages are installed.
for _name, _target in (
    ("score", "emer_scoring.cli:score_app"),
    ("eval", "emer_fusion.cli:eval_app"),
    ("k8s", "emer_cli.k8s_job:k8s_app"),
):
    _module, _attr = _target.split(":")
    try:
        app.add_typer(getattr(importlib.import_module(_module), _attr), name=_name)
    except ImportError:
        pass


@app.command()
def analyze(
    paths: Annotated[
        list[Path], typer.Argument(help="Videos, folders or manifests (.csv/.jsonl).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    nats_url: Annotated[
        str | None,
        typer.Option(
            envvar="EMER_NATS_URL", help="Use this NATS server instead of an embedded one."
        ),
    ] = None,
    upload: Annotated[
        bool, typer.Option(help="Send media through the NATS Object Store (remote clusters).")
    ] = False,
    job_id: Annotated[str | None, typer.Option(help="Job id (default: generated).")] = None,
    modality: Annotated[
        list[Modality] | None, typer.Option(help="Modalities to run (repeatable; default all).")
    ] = None,
    window_s: Annotated[
        float, typer.Option(help="Clip length for long videos without subtitles.")
    ] = 8.0,
    max_clip_s: Annotated[float, typer.Option(help="Videos up to this long stay one clip.")] = 15.0,
    timeout_s: Annotated[
        float | None, typer.Option(help="Give up waiting after this long.")
    ] = None,
) -> None:
    """Explain the emotions in videos: clues per modality, fused explanation, labels."""
    from emer_cli.analyze import AnalyzeOptions, run_analysis
    from emer_cli.ingest import IngestOptions

    if job_id is not None and not CLIP_ID_PATTERN.match(job_id):
        raise typer.BadParameter(
            "use letters, digits, '_' and '-' only (it becomes a NATS subject token)",
            param_hint="--job-id",
        )
    configure_logging("WARNING")
    # --nats-url already falls back to EMER_NATS_URL; None means the embedded server
    bus = BusSettings().model_copy(update={"nats_url": nats_url or None})
    options = AnalyzeOptions(
        inputs=tuple(paths),
        out_dir=out,
        bus=bus,
        job_id=job_id,
        ingest=IngestOptions(max_clip_s=max_clip_s, window_s=window_s),
        modalities=tuple(modality) if modality else tuple(Modality),
        upload=upload,
        timeout_s=timeout_s,
    )
    outcome = run_analysis(options, Console(stderr=True))
    table = Table(title=f"emer job {outcome.status.job_id}")
    for column in ("clip", "labels", "explanation", "errors"):
        table.add_column(column, overflow="fold")
    for result in outcome.results:
        table.add_row(
            result.clip_id,
            ", ".join(result.labels) or "-",
            result.explanation or "-",
            "; ".join(e.code for e in result.errors) or "",
        )
    console.print(table)
    console.print(
        f"{outcome.status.done_clips}/{outcome.status.total_clips} clips, "
        f"{len(outcome.rejections)} rejected input(s); results: {out / 'results.jsonl'}"
    )
    if not outcome.results:
        raise typer.Exit(code=1)


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="visual | audio | text | fusion | scoring")],
) -> None:
    """Run one service until SIGTERM (what each Kubernetes Deployment runs)."""
    if service not in SERVICE_MODULES:
        raise typer.BadParameter(f"choose one of {', '.join(SERVICE_MODULES)}")
    from emer_common.service_config import CommonConfig

    service_module, settings_module, settings_class = SERVICE_MODULES[service]
    settings = getattr(importlib.import_module(settings_module), settings_class)()
    configure_logging(getattr(settings, "log_level", "INFO"))
    module = importlib.import_module(service_module)
    try:
        asyncio.run(module.serve(settings, CommonConfig()))
    except KeyboardInterrupt:
        pass


@bus_app.command("init")
def bus_init() -> None:
    """Create or update every stream, consumer and bucket (idempotent)."""
    from emer_common.runtime import close_bus, open_bus

    async def run() -> None:
        bus = await open_bus(BusSettings(), "emer-bus-init", declare=True)
        await close_bus(bus)

    asyncio.run(run())
    console.print("streams, consumers and buckets are in place")


@bus_app.command("ping")
def bus_ping(timeout_s: Annotated[float, typer.Option()] = 10.0) -> None:
    """Round trip through JetStream: publish to the DLQ stream's ping subject, read it back."""
    from emer_cli.ping import ping

    try:
        elapsed = asyncio.run(asyncio.wait_for(ping(BusSettings()), timeout_s))
    except Exception as error:
        console.print(f"[red]bus ping failed:[/] {error}")
        raise typer.Exit(code=1) from error
    console.print(f"bus round trip ok in {elapsed * 1000:.1f} ms")


def main() -> None:
    logging.captureWarnings(True)
    app()


if __name__ == "__main__":
    main()
