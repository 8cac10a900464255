"""``emer export``: a job's ``results.jsonl`` as tables an analyst loads into pandas, subtitles
of what was said, and the ``name,openset`` CSV that ``emer score`` reads.

Tables (CSV or Parquet, same columns):

- ``clips``: one row per clip (span, labels and their scores, explanation, error codes, the
  status of each modality);
- ``evidence``: one row per evidence item of every clue report (long format), its value in
  ``number`` or ``text``.

``transcripts/<clip>.srt|.vtt`` are cut from the audio report's timed words (source times, so
they play along the source file). ``--to mer`` writes ``pred-openset.csv`` and, when the
inputs had reference labels, ``ref-openset.csv`` with the same names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from emer_common.contracts import (
    ALL_MODALITIES,
    WORD_EVIDENCE,
    ClipResult,
    ClueStatus,
    Modality,
)
from emer_common.subtitles import Cue

RESULTS_FILE = "results.jsonl"
MAX_CUE_WORDS = 8
MAX_CUE_S = 4.0  # a subtitle line longer than this is hard to read along
MAX_WORD_GAP_S = 1.0  # a pause this long starts a new cue
SENTENCE_END = (".", "!", "?", "。", "！", "？")
NOT_RUN = "not_run"
MISSING = "missing"


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    MER = "mer"


class ExportError(Exception):
    """The results cannot be exported; the message says why and what to do."""


CLIP_COLUMNS: dict[str, str] = {
    "clip_id": "string",
    "job_id": "string",
    "source": "string",
    "start_s": "float",
    "end_s": "float",
    "labels": "string",
    "label_scores": "string",
    "top_label": "string",
    "top_score": "float",
    "explanation": "string",
    "error_codes": "string",
    **{f"status_{m.value}": "string" for m in ALL_MODALITIES},
    "reference_labels": "string",
    "fusion_elapsed_s": "float",
}
EVIDENCE_COLUMNS: dict[str, str] = {
    "clip_id": "string",
    "modality": "string",
    "name": "string",
    "number": "float",
    "text": "string",
    "unit": "string",
    "start_s": "float",
    "end_s": "float",
    "confidence": "float",
    "norm": "string",
}
Row = dict[str, Any]


def read_results(path: Path) -> list[ClipResult]:
    """Every result of a ``results.jsonl`` (v1 or v2 lines); a bad line names its number."""
    if not path.is_file():
        raise ExportError(f"{path} does not exist: point at the --out folder of `emer analyze`")
    results = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                results.append(ClipResult.model_validate_json(line))
            except ValidationError as error:
                first = error.errors()[0]
                raise ExportError(
                    f"{path}, line {number}: not an emer result "
                    f"({'.'.join(map(str, first['loc']))}: {first['msg']})"
                ) from error
    return results


def modality_status(result: ClipResult, modality: Modality) -> str:
    """ok / no_signal / error, ``missing`` (expected, never reported) or ``not_run``."""
    clue = result.clues.get(modality)
    if clue is not None:
        return clue.status.value
    return MISSING if modality in result.missing_modalities else NOT_RUN


def clip_row(result: ClipResult) -> Row:
    details = sorted(result.label_details, key=lambda d: -d.score)
    top = details[0] if details else None
    return {
        "clip_id": result.clip_id,
        "job_id": result.job_id,
        "source": result.source,
        "start_s": result.start_s,
        "end_s": result.end_s,
        "labels": ", ".join(result.labels),
        "label_scores": ", ".join(f"{d.label}={d.score:.3f}" for d in details),
        "top_label": top.label if top else (result.labels[0] if result.labels else None),
        "top_score": top.score if top else None,
        "explanation": result.explanation,
        "error_codes": ", ".join(e.code for e in result.errors),
        **{f"status_{m.value}": modality_status(result, m) for m in ALL_MODALITIES},
        "reference_labels": ", ".join(result.references.labels) if result.references else "",
        "fusion_elapsed_s": result.fusion_elapsed_s,
    }


def evidence_rows(result: ClipResult) -> Iterable[Row]:
    for modality, clue in result.clues.items():
        for item in clue.evidence:
            yield {
                "clip_id": result.clip_id,
                "modality": modality.value,
                "name": item.name,
                "number": item.number,
                "text": item.text,
                "unit": item.unit,
                "start_s": item.start_s,
                "end_s": item.end_s,
                "confidence": item.confidence,
                "norm": item.norm,
            }


def transcript_cues(result: ClipResult) -> list[Cue]:
    """The audio report's timed words grouped into subtitle cues (source times)."""
    audio = result.clues.get(Modality.AUDIO)
    if audio is None or audio.status is not ClueStatus.OK:
        return []
    words = [
        e
        for e in audio.evidence
        if e.name == WORD_EVIDENCE and e.text and e.start_s is not None and e.end_s is not None
    ]
    cues: list[Cue] = []
    group: list[tuple[str, float, float]] = []

    def close() -> None:
        if group:
            cues.append(Cue(group[0][1], group[-1][2], " ".join(w for w, _, _ in group)))
            group.clear()

    for word in words:
        text, start, end = word.text or "", float(word.start_s or 0), float(word.end_s or 0)
        if group and (
            len(group) >= MAX_CUE_WORDS
            or start - group[-1][2] > MAX_WORD_GAP_S
            or end - group[0][1] > MAX_CUE_S
        ):
            close()
        group.append((text, start, end))
        if text.endswith(SENTENCE_END):
            close()
    close()
    return cues


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    return "".join(
        f"{i}\n{_timestamp(c.start_s, ',')} --> {_timestamp(c.end_s, ',')}\n{c.text}\n\n"
        for i, c in enumerate(cues, start=1)
    )


def to_vtt(cues: Sequence[Cue]) -> str:
    body = "".join(
        f"{_timestamp(c.start_s, '.')} --> {_timestamp(c.end_s, '.')}\n{c.text}\n\n" for c in cues
    )
    return "WEBVTT\n\n" + body


def openset_cell(labels: Iterable[str]) -> str:
    """A label list as the MER files write it, ``['happy', 'sad']``, which every
    ``emer score`` reader (wheel, official and strict) reads back unchanged."""
    cleaned = (label.replace("'", "").replace('"', "").strip() for label in labels)
    return "[" + ", ".join(f"'{label}'" for label in cleaned if label) + "]"


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[Row]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    _atomic_write(path, buffer.getvalue())


def _write_parquet(path: Path, columns: dict[str, str], rows: list[Row]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise ExportError(
            "Parquet export needs pyarrow: install it with pip install 'emer[export]', "
            "or export --to csv"
        ) from error
    types = {"string": pa.string(), "float": pa.float64()}
    schema = pa.schema([(name, types[kind]) for name, kind in columns.items()])
    table = pa.Table.from_pylist(rows, schema=schema)
    tmp = path.with_suffix(path.suffix + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)


@dataclass(frozen=True)
class ExportSummary:
    clips: int
    files: tuple[Path, ...]


def export_results(
    results: Sequence[ClipResult], dest: Path, formats: Iterable[ExportFormat]
) -> ExportSummary:
    """Write the files of every format into ``dest``; returns what was written."""
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):
        if fmt is ExportFormat.MER:
            written += _write_mer(results, dest)
            continue
        clips = [clip_row(r) for r in results]
        evidence = [row for r in results for row in evidence_rows(r)]
        for name, columns, rows in (
            ("clips", CLIP_COLUMNS, clips),
            ("evidence", EVIDENCE_COLUMNS, evidence),
        ):
            path = dest / f"{name}.{fmt.value}"
            if fmt is ExportFormat.CSV:
                _write_csv(path, list(columns), rows)
            else:
                _write_parquet(path, columns, rows)
            written.append(path)
        written += _write_transcripts(results, dest / "transcripts")
    return ExportSummary(len(results), tuple(dict.fromkeys(written)))


def _write_mer(results: Sequence[ClipResult], dest: Path) -> list[Path]:
    header = ("name", "openset")
    pred = dest / "pred-openset.csv"
    _write_csv(pred, header, (_openset_row(r.clip_id, r.labels) for r in results))
    references = {r.clip_id: r.references.labels if r.references else () for r in results}
    if not any(references.values()):
        return [pred]
    # Same names as pred-openset.csv, as `emer score` requires; both metrics skip a clip
    # whose reference is empty.
    ref = dest / "ref-openset.csv"
    _write_csv(ref, header, (_openset_row(c, labels) for c, labels in references.items()))
    return [pred, ref]


def _openset_row(name: str, labels: Iterable[str]) -> Row:
    return {"name": name, "openset": openset_cell(labels)}


def _write_transcripts(results: Sequence[ClipResult], folder: Path) -> list[Path]:
    written = []
    for result in results:
        cues = transcript_cues(result)
        if not cues:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        for suffix, text in (("srt", to_srt(cues)), ("vtt", to_vtt(cues))):
            path = folder / f"{result.clip_id}.{suffix}"
            _atomic_write(path, text)
            written.append(path)
    return written


def export_command(
    out_dir: Annotated[
        Path, typer.Argument(help="The --out folder of `emer analyze` (holds results.jsonl).")
    ],
    to: Annotated[
        list[ExportFormat] | None,
        typer.Option(
            "--to",
            help="csv or parquet: clips and evidence tables plus SRT/VTT transcripts; "
            "mer: pred-openset.csv (and ref-openset.csv) for `emer score`. Repeatable.",
        ),
    ] = None,
    dest: Annotated[Path | None, typer.Option(help="Where to write (default: DIR/export).")] = None,
) -> None:
    """Export results as CSV/Parquet tables, subtitles, and the CSV that `emer score` reads."""
    target = dest or out_dir / "export"
    try:
        results = read_results(out_dir / RESULTS_FILE)
        summary = export_results(results, target, to or [ExportFormat.CSV])
    except (ExportError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from error
    typer.echo(f"{summary.clips} clip(s) exported to {target}:")
    shown = [p for p in summary.files if p.parent == target]
    transcripts = len(summary.files) - len(shown)
    for path in shown:
        typer.echo(f"  {path.name}")
    if transcripts:
        typer.echo(f"  transcripts/ ({transcripts} file(s): SRT and VTT per clip with speech)")
