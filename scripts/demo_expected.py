"""Print each sample's expected labels beside the labels a run predicted (``make demo``).

The expected labels are the intended emotions of ``samples/provenance.json`` (written by
``scripts/make_samples.py``, stated in ``samples/README.md``). A sample matches when its
predicted labels contain at least one expected label. Exit status 1 when a sample is missing
or does not match. Run: ``.venv/bin/python scripts/demo_expected.py out/demo``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@dataclass(frozen=True)
class Comparison:
    clip: str
    expected: tuple[str, ...]
    predicted: tuple[str, ...] | None  # None: no result for this sample

    @property
    def matches(self) -> bool:
        return bool(self.predicted and set(self.predicted) & set(self.expected))


def expected_labels(samples: Path = SAMPLES) -> dict[str, tuple[str, ...]]:
    """Sample name -> its intended emotions, from ``provenance.json``."""
    records = json.loads((samples / "provenance.json").read_text(encoding="utf-8"))
    return {r["clip"]: tuple(r["intended_emotions"]) for r in records}


def compare(out_dir: Path, samples: Path = SAMPLES) -> list[Comparison]:
    """Each sample's expected labels and the labels ``out_dir/results.jsonl`` holds for it."""
    predicted: dict[str, tuple[str, ...]] = {}
    results = out_dir / "results.jsonl"
    if results.is_file():
        for line in results.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                predicted[record["clip_id"]] = tuple(record["labels"])
    return [
        Comparison(clip, expected, predicted.get(clip))
        for clip, expected in expected_labels(samples).items()
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="the --out folder of `emer analyze samples`")
    args = parser.parse_args()
    rows = compare(args.out_dir)
    table = Table(title="samples: expected and predicted labels")
    for column in ("clip", "expected", "predicted", "match"):
        table.add_column(column)
    for row in rows:
        predicted = "(no result)" if row.predicted is None else ", ".join(row.predicted) or "-"
        mark = "[green]yes[/]" if row.matches else "[red]no[/]"
        table.add_row(row.clip, ", ".join(row.expected), predicted, mark)
    console = Console()
    console.print(table)
    misses = [row.clip for row in rows if not row.matches]
    if misses:
        console.print(f"[red]not as expected:[/] {', '.join(misses)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
