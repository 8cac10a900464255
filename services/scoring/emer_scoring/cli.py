"""``emer score``: the published metrics on CSV files (mounted by the main CLI as ``score``).

Both commands read two CSVs with the columns ``name,openset`` (as the MER files have: a clip
name and a label list as text). Bad input exits with code 2 and a message naming the file,
the row and the problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from emer_scoring.emotion_wheel import EmotionWheelMetric, EmotionWheelScores
from emer_scoring.label_lists import list_syntax, parse_wheel_list
from emer_scoring.mer_assets import load_mer_assets
from emer_scoring.openset import OpenSetScores, load_synonym_texts, score_openset
from emer_scoring.tables import ScoringInputError, check_same_names, read_label_table
from emer_scoring.wheel_assets import WheelLevel, emer_default_assets

INPUT_ERROR_EXIT = 2
LEVELS: dict[int, WheelLevel] = {1: "level1", 2: "level2"}

score_app = typer.Typer(
    help="Score predicted emotion labels against references with the field's published metrics.",
    no_args_is_help=True,
)

RefOption = Annotated[
    Path, typer.Option("--ref", help="Reference CSV with columns name,openset.", show_default=False)
]
PredOption = Annotated[
    Path,
    typer.Option("--pred", help="Prediction CSV with columns name,openset.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _fail(error: ScoringInputError) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(code=INPUT_ERROR_EXIT)


@score_app.command("ew")
def emotion_wheel(
    ref: RefOption,
    pred: PredOption,
    wheels: Annotated[
        Path | None,
        typer.Option(
            "--wheels",
            help="Folder of MER2025/MER2026 emotion-wheel assets (format.csv, synonym.xlsx, "
            "wheel1..5.xlsx). Omitted: emer's own vocabulary and wheels.",
        ),
    ] = None,
    level: Annotated[
        int, typer.Option("--level", min=1, max=2, help="1: inner ring, 2: middle ring.")
    ] = 1,
    as_json: JsonOption = False,
) -> None:
    """Emotion-wheel F, precision and recall (MER2025/MER2026 Track 2)."""
    try:
        reference, prediction = read_label_table(ref), read_label_table(pred)
        names = check_same_names(reference, prediction)
        ref_labels = reference.parsed(parse_wheel_list)
        pred_labels = prediction.parsed(parse_wheel_list)
        assets = load_mer_assets(wheels) if wheels is not None else emer_default_assets()
    except ScoringInputError as exc:
        raise _fail(exc) from exc
    metric = EmotionWheelMetric(assets, LEVELS[level])
    scores = metric.score([ref_labels[n] for n in names], [pred_labels[n] for n in names])
    if as_json:
        typer.echo(json.dumps(scores.as_dict()))
    else:
        _print_wheel_table(scores)


@score_app.command("ov")
def open_vocabulary(
    ref: RefOption,
    pred: PredOption,
    synonyms: Annotated[
        Path,
        typer.Option(
            "--synonyms",
            help="Per-clip synonym groups: a zip of <name>.npy files or a folder of them.",
            show_default=False,
        ),
    ],
    parser: Annotated[
        Literal["official", "strict"],
        typer.Option(
            "--parser",
            help="'official' reads label lists as the MER2024 tool does (reproduces the "
            "published numbers); 'strict' reads them as Python literals.",
        ),
    ] = "official",
    as_json: JsonOption = False,
) -> None:
    """MER2024 set-level accuracy, recall and their average."""
    syntax = list_syntax(parser)
    try:
        reference, prediction = read_label_table(ref), read_label_table(pred)
        names = check_same_names(reference, prediction)
        ref_labels = reference.parsed(syntax.labels)
        pred_labels = prediction.parsed(syntax.labels)
        synonym_texts = load_synonym_texts(synonyms)
        scores = score_openset(names, ref_labels, pred_labels, synonym_texts, syntax)
    except ScoringInputError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(scores.as_dict()))
    else:
        _print_openset_table(scores)


def _print_wheel_table(scores: EmotionWheelScores) -> None:
    table = Table(title=f"Emotion wheel, {scores.level}, assets: {scores.assets}")
    for column in ("wheel", "clips", "F", "P", "R"):
        table.add_column(column, justify="left" if column == "wheel" else "right")
    for wheel in scores.per_wheel:
        table.add_row(
            wheel.wheel, str(wheel.clips), *_fmt(wheel.f_score, wheel.precision, wheel.recall)
        )
    table.add_section()
    table.add_row("mean", "", *_fmt(scores.f_score, scores.precision, scores.recall), style="bold")
    console = Console()
    console.print(table)
    if scores.skipped:
        console.print(f"{scores.skipped} clip(s) skipped: their reference maps to no sector.")


def _print_openset_table(scores: OpenSetScores) -> None:
    table = Table(title=f"MER2024 set-level metric, parser: {scores.parser}")
    for column in ("clips", "accuracy", "recall", "average"):
        table.add_column(column, justify="right")
    table.add_row(str(scores.clips), *_fmt(scores.accuracy, scores.recall, scores.average))
    Console().print(table)


def _fmt(*values: Any) -> list[str]:
    return [f"{float(v):.6f}" for v in values]
