"""CPU time of the text analyzer per clip, in total and per backend, on the bundled samples.

    .venv/bin/python benchmarks/text_latency.py [--repeats 200]

Uses the subtitles of ``samples/*.srt`` (no external data), each analyzed ``--repeats``
times after one warm-up call. Results: docs/text.md.
"""

from __future__ import annotations

import argparse
import functools
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from emer_common.subtitles import read_subtitle, text_in_span
from emer_text.analyzer import TextAnalyzer
from emer_text.backends.base import TextInput
from emer_text.sentences import split_sentences
from emer_text.settings import TextSettings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="text analyzer CPU latency")
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    start = time.perf_counter()
    analyzer = TextAnalyzer.from_settings(TextSettings())
    load_s = time.perf_counter() - start
    texts = {
        path.stem: text_in_span(read_subtitle(path), 0.0, None)
        for path in sorted(SAMPLES.glob("*.srt"))
    }
    lines = [
        f"load (all default backends + language detector): {load_s:.2f} s",
        "",
        "| sample | chars | analyze() median ms | "
        + " | ".join(b.name for b in analyzer.backends)
        + " |",
        "|---|---:|---:|" + "---:|" * len(analyzer.backends),
    ]
    for name, text in texts.items():
        sentences = split_sentences(text)
        reading_input = TextInput(" ".join(sentences), "en", sentences)
        total = _median_ms(functools.partial(analyzer.analyze, text, "subtitle"), args.repeats)
        per_backend = [
            _median_ms(functools.partial(b.read, reading_input), args.repeats)
            for b in analyzer.backends
        ]
        lines.append(
            f"| {name} | {len(text)} | {total:.2f} | "
            + " | ".join(f"{ms:.2f}" for ms in per_backend)
            + " |"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
