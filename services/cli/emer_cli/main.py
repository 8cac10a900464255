"""The ``emer`` command line."""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from emer_cli.export import export_command
from emer_common.contracts import ALL_MODALITIES, CLIP_ID_PATTERN, JobState, Modality
from emer_common.errors import EmerError
from emer_common.logging_setup import configure_logging
from emer_common.services import SERVICE_NAMES, service_spec
from emer_common.settings import BusSettings

app = typer.Typer(no_args_is_help=True, help="Explainable multimodal emotion recognition.")
bus_app = typer.Typer(no_args_is_help=True, help="Inspect and prepare the NATS bus.")
app.add_typer(bus_app, name="bus")
console = Console()
app.command("export")(export_command)

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


LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})?$")


def _languages(values: list[str]) -> tuple[str, ...]:
    """``--subtitle-language zh,en --subtitle-language fr`` as ``("zh", "en", "fr")``."""
    tags = [tag.strip() for value in values for tag in value.split(",") if tag.strip()]
    for tag in tags:
        if not LANGUAGE_TAG.match(tag):
            raise typer.BadParameter(
                f"{tag!r} is not a language tag; use one like en, zh, pt-BR (as in clip.en.srt)",
                param_hint="--subtitle-language",
            )
    return tuple(dict.fromkeys(tags))


@app.command()
def analyze(
    paths: Annotated[
        list[Path], typer.Argument(help="Videos, folders or manifests (.csv/.jsonl).")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default ./out). A rerun into it resumes."),
    ] = None,
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
    recursive: Annotated[
        bool,
        typer.Option(
            help="Read the subfolders of folder inputs too; --no-recursive reads only the files "
            "directly inside (each subfolder is listed as skipped in job.json)."
        ),
    ] = True,
    subtitle_language: Annotated[
        list[str] | None,
        typer.Option(
            help="Preferred subtitle language, as in clip.en.srt or an embedded stream's tag "
            "(repeatable or comma-separated, in order of preference: --subtitle-language "
            "zh,en). Default: an untagged sidecar, then any tagged one alphabetically."
        ),
    ] = None,
    timeout_s: Annotated[
        float | None, typer.Option(help="Give up waiting after this long.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Redo every clip, also those an earlier run here finished.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the summary, no table.")
    ] = False,
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
    err = Console(stderr=True)
    if out is None:
        out = Path("out")
        err.print(f"writing to {out}/ (choose another folder with --out)")
    # --nats-url already falls back to EMER_NATS_URL; None means the embedded server
    bus = BusSettings().model_copy(update={"nats_url": nats_url or None})
    options = AnalyzeOptions(
        inputs=tuple(paths),
        out_dir=out,
        bus=bus,
        job_id=job_id,
        ingest=IngestOptions(
            max_clip_s=max_clip_s,
            window_s=window_s,
            recursive=recursive,
            subtitle_languages=_languages(subtitle_language or []),
        ),
        modalities=tuple(modality) if modality else ALL_MODALITIES,
        upload=upload,
        timeout_s=timeout_s,
        overwrite=overwrite,
    )
    try:
        outcome = run_analysis(options, err)
    except EmerError as error:
        err.print(f"[red]emer analyze stopped:[/] {error}")
        raise typer.Exit(code=1) from error
    if not quiet and outcome.results:
        table = Table(title=f"emer job {outcome.status.job_id}")
        for column in ("clip", "labels", "errors"):
            table.add_column(column, overflow="fold")
        for result in outcome.results:
            table.add_row(
                result.clip_id,
                ", ".join(result.labels) or "-",
                "; ".join(e.code for e in result.errors) or "",
            )
        console.print(table)
    restarts = ", ".join(f"{name} {n}x" for name, n in outcome.restarts.items())
    console.print(
        f"{outcome.status.state.value}: {outcome.status.done_clips}/{outcome.status.total_clips}"
        f" clips ({outcome.reused} kept from an earlier run), {len(outcome.rejections)} "
        f"skipped or rejected input(s){f', restarted: {restarts}' if restarts else ''}"
    )
    console.print(
        f"results: {out / 'results.jsonl'}  report: {out / 'report.html'}  job: {out / 'job.json'}"
    )
    if outcome.status.state is JobState.INTERRUPTED:
        raise typer.Exit(code=130)
    if not outcome.results:
        raise typer.Exit(code=1)


@app.command()
def up(
    root: Annotated[
        list[Path] | None,
        typer.Option(help="Folder the services may read media from (repeatable; default: .)."),
    ] = None,
) -> None:
    """Start a warm local stack (nats-server + every service) that `emer analyze` then uses."""
    from emer_cli.stack import running_stack, start_stack

    if (stack := running_stack()) is not None:
        console.print(f"a local stack is already up (pid {stack.pid}); `emer down` stops it")
        return
    roots = tuple(r.resolve() for r in (root or [Path.cwd()]))
    with console.status("starting the local stack and loading every model"):
        try:
            stack = start_stack(roots)
        except EmerError as error:
            console.print(f"[red]emer up failed:[/] {error}")
            raise typer.Exit(code=1) from error
    console.print(
        f"local stack up (pid {stack.pid}) for media under {', '.join(map(str, roots))}; "
        "`emer analyze` uses it, `emer down` stops it"
    )


@app.command()
def down() -> None:
    """Stop the warm local stack."""
    from emer_cli.stack import stop_stack

    console.print("local stack stopped" if stop_stack() else "no local stack was running")


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help=" | ".join(SERVICE_NAMES))],
) -> None:
    """Run one service until SIGTERM (what each Kubernetes Deployment runs)."""
    from emer_common.errors import UnknownNameError
    from emer_common.service_config import CommonConfig

    try:
        spec = service_spec(service)
    except UnknownNameError as error:
        raise typer.BadParameter(str(error)) from error
    settings = spec.load_settings()
    configure_logging(getattr(settings, "log_level", "INFO"))
    try:
        asyncio.run(spec.load_entry_point()(settings, CommonConfig()))
    except KeyboardInterrupt:
        pass
    except EmerError as error:
        console.print(f"[red]the {service} service stopped:[/] {error}")
        raise typer.Exit(code=1) from error


NatsUrlOption = Annotated[
    str | None,
    typer.Option("--nats-url", envvar="EMER_NATS_URL", help="NATS URL(s), comma separated."),
]


def _bus_settings(nats_url: str | None) -> BusSettings:
    return BusSettings().model_copy(update={"nats_url": nats_url or None})


@bus_app.command("init")
def bus_init(nats_url: NatsUrlOption = None) -> None:
    """Declare every stream, bucket and missing consumer (idempotent).

    Consumers that exist keep the settings their services gave them; a missing one is created
    with the EMER_WORKER_* defaults, so jobs are kept while its service is scaled to zero.
    """
    from emer_common.runtime import close_bus, open_bus

    async def run() -> None:
        bus = await open_bus(_bus_settings(nats_url), "emer-bus-init", declare=True)
        await close_bus(bus)

    try:
        asyncio.run(run())
    except EmerError as error:
        console.print(f"[red]bus init failed:[/] {error}")
        raise typer.Exit(code=1) from error
    console.print("streams, buckets and consumers are in place")


@bus_app.command("ping")
def bus_ping(
    nats_url: NatsUrlOption = None, timeout_s: Annotated[float, typer.Option()] = 10.0
) -> None:
    """Round trip through JetStream: publish to the DLQ stream's ping subject, read it back."""
    from emer_cli.ping import ping

    try:
        elapsed = asyncio.run(asyncio.wait_for(ping(_bus_settings(nats_url)), timeout_s))
    except Exception as error:
        console.print(f"[red]bus ping failed:[/] {error}")
        raise typer.Exit(code=1) from error
    console.print(f"bus round trip ok in {elapsed * 1000:.1f} ms")


def main() -> None:
    logging.captureWarnings(True)
    app()


if __name__ == "__main__":
    main()
