"""``emer eval fusion`` command (mounted by the main CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

eval_app = typer.Typer(no_args_is_help=True, help="Evaluation harnesses.")


@eval_app.command("fusion")
def eval_fusion(
    clues: Annotated[Path, typer.Option(help="CSV with columns name,visual,audio,text.")],
    out: Annotated[Path, typer.Option(help="PRED.csv to write (resumes if it exists).")],
    backend: Annotated[str, typer.Option(help="transformers | openai")] = "transformers",
    strategy: Annotated[str, typer.Option(help="auto | grounded | generative")] = "auto",
    model_path: Annotated[Path | None, typer.Option(help="Local model dir or .gguf.")] = None,
    openai_base_url: Annotated[str | None, typer.Option()] = None,
    openai_model: Annotated[str | None, typer.Option()] = None,
    max_labels: Annotated[int, typer.Option()] = 4,
) -> None:
    """Fuse free-text clues into labels + explanations, MER-style PRED.csv."""
    from emer_fusion.evaluation import ClueFileError, evaluate
    from emer_fusion.service import build_fuser
    from emer_fusion.settings import FusionSettings

    overrides: dict[str, object] = {
        "backend": backend,
        "strategy": strategy,
        "max_labels": max_labels,
    }
    if model_path:
        overrides["model_path"] = model_path
    if openai_base_url:
        overrides["openai_base_url"] = openai_base_url
    if openai_model:
        overrides["openai_model"] = openai_model
    settings = FusionSettings().model_copy(update=overrides)
    console = Console(stderr=True)
    fuser = build_fuser(settings)
    with Progress(
        TextColumn("fusing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("fusing", total=None)
        try:
            for _ in evaluate(
                fuser, clues, out, lambda done, total: bar.update(task, completed=done, total=total)
            ):
                pass
        except ClueFileError as error:
            console.print(f"[red]error:[/] {error}")
            raise typer.Exit(code=2) from error
    console.print(f"predictions: {out}")
