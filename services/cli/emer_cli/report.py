"""Job outputs: ``results.jsonl`` (one versioned record per clip), ``job.json``,
``scores.json`` (when inputs carry references) and ``report.html``, all written atomically.

The report is one self-contained file rendered from the packaged template
``templates/report.html.j2``: summary charts as inline SVG, the clips as JSON that a small
inline script turns into a sortable, filterable table with per-clip details. It loads nothing
from the network, so it opens offline and from an archive.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from emer_cli.export import modality_status
from emer_cli.ingest import Rejection
from emer_cli.scores import write_scores
from emer_common.contracts import ALL_MODALITIES, ClipResult, Evidence, JobStatus

TEMPLATE = "report.html.j2"
TOP_LABELS = 20  # label chart rows; the rest are summed into "other labels"
OTHER_LABELS = "other labels"


def write_outputs(
    out_dir: Path,
    status: JobStatus,
    results: list[ClipResult],
    rejections: list[Rejection],
    timings: dict[str, float],
    service_restarts: dict[str, int] | None = None,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = "".join(
        json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n" for r in results
    )
    _atomic_write(out_dir / "results.jsonl", lines)
    scores = write_scores(out_dir, results)
    summary = job_summary(status, results, rejections, timings, scores, service_restarts)
    _atomic_write(out_dir / "job.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    _atomic_write(out_dir / "report.html", render_html(summary, results, out_dir))


def job_summary(
    status: JobStatus,
    results: list[ClipResult],
    rejections: list[Rejection],
    timings: dict[str, float],
    scores: dict[str, Any] | None = None,
    service_restarts: dict[str, int] | None = None,
) -> dict[str, object]:
    labels = Counter(label for r in results for label in r.labels)
    summary: dict[str, object] = {
        "status": status.model_dump(mode="json"),
        "clips": len(results),
        "clips_with_labels": sum(1 for r in results if r.labels),
        "clips_with_errors": sum(1 for r in results if r.errors),
        "label_counts": dict(labels.most_common()),
        "rejected": [
            {"source": r.source, "code": r.code, "message": r.message} for r in rejections
        ],
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    if scores is not None:
        summary["scores"] = scores
    # children of the embedded mode that died and were started again, per service
    summary["service_restarts"] = dict(service_restarts or {})
    return summary


def render_html(
    summary: dict[str, Any], results: Sequence[ClipResult], base_dir: Path | None = None
) -> str:
    """The report page; ``base_dir`` (the report's folder) makes the clips' play links relative
    to it, so the folder can move together with its media."""
    base = base_dir or Path.cwd()
    context = {
        "summary": summary,
        "status": summary["status"],
        "scores": summary.get("scores"),
        "rejected": summary["rejected"],
        "timings": summary["timings_s"],
        "label_chart": _chart("labels", label_chart(results)),
        "agreement_chart": _chart(
            "labels by modality agreement",
            agreement_chart(results),
            lambda row: sum(row[1]),
        ),
        "error_chart": _chart("errors by code", error_chart(results, summary["rejected"])),
        "stage_chart": _chart("mean seconds per clip and stage", stage_chart(results)),
        "clips": [clip_view(r, base) for r in results],
        "modalities": [m.value for m in ALL_MODALITIES],
    }
    return _template().render(context)


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("emer_cli", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(TEMPLATE)


def _chart(
    title: str, rows: Sequence[tuple[str, Any]], size: Callable[[Any], float] | None = None
) -> dict[str, Any]:
    """Rows for the template's bar charts, with the largest bar's value to scale by."""
    measure = size or (lambda row: float(row[1]))
    return {"title": title, "rows": rows, "max": max(map(measure, rows), default=0) or 1}


def label_chart(results: Iterable[ClipResult]) -> list[tuple[str, int]]:
    counts = Counter(label for r in results for label in r.labels).most_common()
    rows = counts[:TOP_LABELS]
    rest = sum(n for _, n in counts[TOP_LABELS:])
    return [*rows, (OTHER_LABELS, rest)] if rest else rows


def agreement_chart(results: Sequence[ClipResult]) -> list[tuple[str, list[int]]]:
    """Per top label: how many of its clips had it supported by 3, 2, 1 or 0 modalities."""
    top = [label for label, _ in label_chart(results) if label != OTHER_LABELS]
    rows = {label: [0, 0, 0, 0] for label in top}
    for result in results:
        support = {d.label: len(set(d.modalities)) for d in result.label_details}
        for label in result.labels:
            if label in rows:
                rows[label][len(ALL_MODALITIES) - min(support.get(label, 0), 3)] += 1
    return list(rows.items())


def error_chart(
    results: Iterable[ClipResult], rejected: Iterable[dict[str, Any]]
) -> list[tuple[str, int]]:
    codes = Counter(e.code for r in results for e in r.errors)
    codes.update(f"rejected: {x['code']}" for x in rejected)
    return codes.most_common()


def stage_chart(results: Sequence[ClipResult]) -> list[tuple[str, float]]:
    """Mean seconds per clip of each stage that reported its time."""
    times: dict[str, list[float]] = {m.value: [] for m in ALL_MODALITIES}
    times["fusion"] = []
    for result in results:
        for modality, clue in result.clues.items():
            if clue.elapsed_s is not None:
                times[modality.value].append(clue.elapsed_s)
        if result.fusion_elapsed_s is not None:
            times["fusion"].append(result.fusion_elapsed_s)
    return [(stage, round(sum(v) / len(v), 3)) for stage, v in times.items() if v]


def clip_view(result: ClipResult, base: Path) -> dict[str, Any]:
    """What the page's script needs of one clip, with short keys to keep 1,000 clips light."""
    scores = {d.label: d for d in result.label_details}
    return {
        "id": result.clip_id,
        "src": result.source,
        "href": media_href(result.source, result.start_s, result.end_s, base),
        "s": result.start_s,
        "e": result.end_s,
        "labels": [
            [
                label,
                _round(scores[label].score) if label in scores else None,
                len(scores[label].modalities) if label in scores else 0,
            ]
            for label in result.labels
        ],
        "refs": list(result.references.labels) if result.references else [],
        "expl": result.explanation,
        "errs": [[e.code, e.message] for e in result.errors],
        "st": {m.value: modality_status(result, m) for m in ALL_MODALITIES},
        "clues": {
            m.value: {
                "desc": c.description,
                "cues": list(c.cues),
                "hints": {k: _round(v) for k, v in c.emotion_hints.items()},
                "ev": [_evidence(e) for e in c.evidence],
                "t": c.elapsed_s,
            }
            for m, c in result.clues.items()
        },
    }


def media_href(source: str, start_s: float, end_s: float | None, base: Path) -> str | None:
    """A link that plays the source from the clip's start (a media fragment), relative to the
    report when the file exists; None when the source is not a file here."""
    path = Path(source)
    if not path.is_file():
        return None
    try:
        target = os.path.relpath(path.resolve(), base.resolve())
    except ValueError:  # another drive on Windows
        target = path.resolve().as_uri()
    span = f"{start_s:g}" + (f",{end_s:g}" if end_s is not None else "")
    return f"{quote(Path(target).as_posix())}#t={span}"


def _evidence(item: Evidence) -> list[Any]:
    value = _round(item.number) if item.number is not None else item.text
    return [item.name, value, item.unit, item.start_s, item.end_s, _round(item.confidence)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
