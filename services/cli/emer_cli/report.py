"""Job outputs: ``results.jsonl`` (one versioned record per clip), ``job.json`` and an
HTML report with a label chart, all written atomically."""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

from emer_cli.ingest import Rejection
from emer_common.contracts import ClipResult, JobStatus

CHART_BAR_PX = 320


def write_outputs(
    out_dir: Path,
    status: JobStatus,
    results: list[ClipResult],
    rejections: list[Rejection],
    timings: dict[str, float],
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = "".join(
        json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n" for r in results
    )
    _atomic_write(out_dir / "results.jsonl", lines)
    summary = job_summary(status, results, rejections, timings)
    _atomic_write(out_dir / "job.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    _atomic_write(out_dir / "report.html", render_html(summary, results))


def job_summary(
    status: JobStatus,
    results: list[ClipResult],
    rejections: list[Rejection],
    timings: dict[str, float],
) -> dict[str, object]:
    labels = Counter(label for r in results for label in r.labels)
    return {
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


def render_html(summary: dict[str, object], results: list[ClipResult]) -> str:
    counts: dict[str, int] = summary["label_counts"]  # type: ignore[assignment]
    top = max(counts.values(), default=1)
    bars = "".join(
        f'<div class="bar"><span>{html.escape(label)}</span>'
        f'<i style="width:{int(CHART_BAR_PX * n / top)}px"></i>{n}</div>'
        for label, n in counts.items()
    )
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(r.clip_id),
            html.escape(", ".join(r.labels)),
            html.escape(r.explanation),
            html.escape("; ".join(f"{e.code}: {e.message}" for e in r.errors)),
        )
        for r in results
    )
    rejected = "".join(
        f"<li>{html.escape(str(x['source']))}: {html.escape(str(x['message']))}</li>"
        for x in summary["rejected"]  # type: ignore[attr-defined]
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>emer report</title>
<style>body{{font-family:sans-serif;margin:2em}}td{{vertical-align:top;padding:4px;
border-bottom:1px solid #ddd}}.bar i{{display:inline-block;height:12px;background:#4a7;
margin:0 6px}}.bar span{{display:inline-block;width:120px}}</style></head><body>
<h1>emer job report</h1><pre>{html.escape(json.dumps(summary["status"], indent=1))}</pre>
<h2>Labels</h2>{bars or "<p>no labels</p>"}
<h2>Clips</h2><table><tr><th>clip</th><th>labels</th><th>explanation</th><th>errors</th></tr>
{rows}</table><h2>Rejected inputs</h2><ul>{rejected or "<li>none</li>"}</ul></body></html>
"""


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
