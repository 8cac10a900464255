"""Development benchmark for fusion on EMER-V1 (100 clips, English references).

Each reference explanation (`reasons`) minus its concluding sentence (the one that names the
emotion) becomes the clues; sentences go to the visual / audio / text column by their
wording. Fusion's labels are then checked against the discrete `emotions` label: a hit when
the labels contain it after normalisation (exact base word), and a family hit when one label
shares its emotion family (anger, joy, sadness, fear, surprise). Baselines: majority class,
and a lexicon-only labeller (the strongest hint from the clue text, no LLM).

    EMER_BENCHMARK_DIR=../shared/benchmarks .venv/bin/python benchmarks/fusion_emer_v1.py \
        [--backend transformers|openai] [--strategy grounded|generative] [--out out/fusion-emer-v1]

The in-process backend's strategies on the same clips, with the generative strategy's JSON
rates (what `--concurrency` prints, without a server):

    python benchmarks/fusion_emer_v1.py --backend transformers --strategy grounded,generative \
        --concurrency 1 --limit 8

Served models, side by side with the in-process backend on the same clue texts in one run
(`--llama-server` starts `make llama-server`'s binary on the packaged GGUF; `--base-url` uses
a running server instead):

    python benchmarks/fusion_emer_v1.py --backend openai --llama-server \
        --strategy generative,grounded --concurrency 1,4,16 --side-by-side --limit 40

For each configuration it prints hit rates, the share of first replies that were usable JSON
and the share usable after the repair turn, completion tokens/s (all requests together),
clips/min, and CPU-seconds per clip (this process plus the server process: the whole cost of
fusion on this machine). Wall times include no model load: each configuration first fuses
`--warmup` clips that are not counted.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psutil

from emer_common.contracts import Modality, ModelInfo
from emer_common.llm.base import ChatMessage, Generation, GenerationOptions, LLMBackend
from emer_common.llm.registry import create_backend
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.clue_text import hints_from_text
from emer_fusion.evaluation import ClueRow, clue_reports, evaluate, read_clues
from emer_fusion.fuse import Fuser
from emer_fusion.prompts import clue_blocks, load_prompt
from emer_fusion.service import build_fuser
from emer_fusion.settings import FusionSettings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.servers.llama

CONCLUSION = re.compile(r"\b(therefore|thus|in summary|overall|based on)\b", re.IGNORECASE)
AUDIO_WORDS = re.compile(r"\b(voice|tone|audio|speak|spoke|says|said|sound|laugh)", re.IGNORECASE)
NOT_JSON = frozenset({"llm_output_invalid", "llm_output_prose"})
TEXT_WORDS = re.compile(r"\b(subtitle|text|words|sentence|phrase)\b", re.IGNORECASE)


def strip_conclusion(reasons: str) -> str:
    match = CONCLUSION.search(reasons)
    return reasons[: match.start()].strip() if match else reasons.strip()


def split_modalities(clues: str) -> dict[Modality, str]:
    parts: dict[Modality, list[str]] = {m: [] for m in Modality}
    for sentence in re.split(r"(?<=[.!?])\s+", clues):
        if TEXT_WORDS.search(sentence):
            parts[Modality.TEXT].append(sentence)
        elif AUDIO_WORDS.search(sentence):
            parts[Modality.AUDIO].append(sentence)
        else:
            parts[Modality.VISUAL].append(sentence)
    return {m: " ".join(s) for m, s in parts.items()}


def write_clues(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "visual", "audio", "text"])
        for row in rows:
            cells = split_modalities(strip_conclusion(row["reasons"]))
            writer.writerow([row["names"], *(cells[m] for m in Modality)])


def hit_rates(
    references: dict[str, str], predictions: dict[str, list[str]], vocab: EmotionVocabulary
) -> tuple[float, float, dict[str, float]]:
    hits = family_hits = 0
    per_class: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for name, reference in references.items():
        ref = vocab.get(reference)
        assert ref is not None, reference
        labels = [vocab.get(p) for p in predictions.get(name, [])]
        hit = any(label is not None and label.word == ref.word for label in labels)
        family = any(label is not None and label.family == ref.family for label in labels)
        hits += hit
        family_hits += family
        totals[ref.word] += 1
        per_class[ref.word] += hit
    n = len(references)
    return hits / n, family_hits / n, {k: per_class[k] / totals[k] for k in sorted(totals)}


def main() -> None:
    parser = argparse.ArgumentParser(description="fusion hit rate on EMER-V1")
    parser.add_argument("--backend", default="transformers")
    parser.add_argument("--strategy", default="auto")
    parser.add_argument("--ensemble", default="", help="JSON list of ensemble members")
    parser.add_argument("--generation-samples", type=int, default=5, help="for tokens/s")
    parser.add_argument("--out", type=Path, default=Path("out/fusion-emer-v1"))
    parser.add_argument("--base-url", default="", help="OpenAI-compatible server (…/v1)")
    parser.add_argument("--model", default="", help="model name the server expects")
    parser.add_argument(
        "--llama-server", action="store_true", help="start llama-server on the packaged GGUF"
    )
    parser.add_argument("--threads", type=int, default=1, help="llama-server --threads")
    parser.add_argument(
        "--server-pid", type=int, default=0, help="with --base-url: count this server's CPU"
    )
    parser.add_argument(
        "--concurrency", default="", help="e.g. 1,4,16: served comparison at these levels"
    )
    parser.add_argument(
        "--side-by-side", action="store_true", help="also run the in-process backend"
    )
    parser.add_argument("--limit", type=int, default=0, help="first N clips only (0: all)")
    parser.add_argument("--warmup", type=int, default=2, help="uncounted clips per config")
    parser.add_argument(
        "--torch-threads", type=int, default=0, help="in-process backend (0: its default)"
    )
    args = parser.parse_args()
    if args.concurrency:
        served_comparison(args)
        return
    data = Path(os.environ["EMER_BENCHMARK_DIR"]) / "emer-v1" / "gt-eng.csv"
    rows = list(csv.DictReader(data.read_text(encoding="utf-8").splitlines()))
    args.out.mkdir(parents=True, exist_ok=True)
    clues_csv = args.out / "clues.csv"
    write_clues(rows, clues_csv)
    vocab = EmotionVocabulary.default()
    references = {r["names"]: r["emotions"] for r in rows}

    majority = Counter(references.values()).most_common(1)[0][0]
    baseline_majority = {n: [majority] for n in references}
    lexicon = {}
    for row in rows:
        hints = hints_from_text(strip_conclusion(row["reasons"]), vocab)
        lexicon[row["names"]] = [max(hints, key=hints.__getitem__)] if hints else []

    settings = FusionSettings(
        backend=args.backend,
        strategy=args.strategy,
        ensemble=json.loads(args.ensemble) if args.ensemble else (),
    )
    fuser = build_fuser(settings)
    config = f"{args.backend}/{args.strategy}" + ("/ensemble" if args.ensemble else "")
    pred_csv = args.out / f"pred-{config.replace('/', '-')}.csv"
    pred_csv.unlink(missing_ok=True)
    start = time.perf_counter()
    for _ in evaluate(fuser, clues_csv, pred_csv):
        pass
    elapsed = time.perf_counter() - start
    with pred_csv.open(encoding="utf-8") as handle:
        fused = {r["name"]: ast.literal_eval(r["openset"]) for r in csv.DictReader(handle)}
    fused_top1 = {n: labels[:1] for n, labels in fused.items()}

    print(
        f"clips: {len(rows)}; fusion wall time {elapsed:.1f} s "
        f"({60 * len(rows) / elapsed:.0f} clips/min, {config})"
    )
    print(f"{'labeller':34} {'hit':>6} {'family':>7}  per class (exact hit)")
    for name, predictions in (
        (f"majority class ({majority})", baseline_majority),
        ("lexicon only (top hint, no LLM)", lexicon),
        (f"fusion {config} (all labels)", fused),
        (f"fusion {config} (top-1)", fused_top1),
    ):
        hit, family, per_class = hit_rates(references, predictions, vocab)
        classes = " ".join(f"{k}={v:.2f}" for k, v in per_class.items())
        print(f"{name:34} {hit:6.2f} {family:7.2f}  {classes}")
    mean_labels = sum(len(v) for v in fused.values()) / len(fused)
    print(f"mean labels per clip (fusion): {mean_labels:.2f}")
    if args.generation_samples and not args.ensemble:
        print(generation_speed(settings, clues_csv, args.generation_samples))


def generation_speed(settings: FusionSettings, clues_csv: Path, samples: int) -> str:
    """Free generation (what the generative strategy does) on the first clip prompts."""
    backend = create_backend(settings)
    prompt = load_prompt(settings.prompt)
    vocab = EmotionVocabulary.default()
    tokens = 0
    seconds = 0.0
    for row in read_clues(clues_csv)[:samples]:
        messages = prompt.messages(clue_blocks(clue_reports(row, vocab), ()))
        out = backend.generate(messages, GenerationOptions(max_new_tokens=64))
        tokens += out.completion_tokens
        seconds += out.elapsed_s
    return f"generation: {tokens} tokens in {seconds:.1f} s = {tokens / seconds:.1f} tokens/s"


@dataclass
class Counts:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class CountingBackend:
    """Passes calls through and counts generations and tokens (thread-safe)."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner = inner
        self.counts = Counts()
        self._lock = threading.Lock()

    @property
    def info(self) -> ModelInfo:
        return self.inner.info

    def generate(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Generation:
        out = self.inner.generate(messages, options)
        with self._lock:
            self.counts.calls += 1
            self.counts.prompt_tokens += out.prompt_tokens
            self.counts.completion_tokens += out.completion_tokens
        return out

    def score_candidates(
        self, messages: Sequence[ChatMessage], prefix: str, candidates: Sequence[str]
    ) -> list[float]:
        return self.inner.score_candidates(messages, prefix, candidates)


def process_cpu_s(pid: int | None) -> float:
    """User + system CPU-seconds of this process, or of ``pid`` and its children (vLLM runs
    its engine in child processes)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def served_comparison(args: argparse.Namespace) -> None:
    data = Path(os.environ["EMER_BENCHMARK_DIR"]) / "emer-v1" / "gt-eng.csv"
    rows = list(csv.DictReader(data.read_text(encoding="utf-8").splitlines()))
    args.out.mkdir(parents=True, exist_ok=True)
    clues_csv = args.out / "clues.csv"
    write_clues(rows, clues_csv)
    clue_rows = read_clues(clues_csv)
    warm, counted = clue_rows[: args.warmup], clue_rows[args.warmup :]
    if args.limit:
        counted = counted[: args.limit]
    references = {r["names"]: r["emotions"] for r in rows}
    levels = [int(c) for c in args.concurrency.split(",")]
    strategies = args.strategy.split(",") if args.strategy != "auto" else ["generative"]
    vocab = EmotionVocabulary.default()
    print(
        f"clips: {len(counted)} counted (+{len(warm)} warm-up per configuration); "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start"
    )
    header = (
        f"{'backend/strategy':30} {'conc':>4} {'hit':>5} {'top1':>5} {'json1':>6} "
        f"{'json2':>6} {'prose':>6} {'tok/s':>6} {'clips/min':>9} {'CPU-s/clip':>10} {'wall s':>7}"
    )
    print(header)
    with ExitStack() as stack:
        server_pid: int | None = args.server_pid or None
        base_url, model = args.base_url, args.model
        if args.llama_server:
            from tests.servers.llama import benchmark_server

            log_path = args.out / "llama-server.log"
            server = benchmark_server(stack, log_path, args.threads, max(levels))
            base_url, model, server_pid = server.base_url, server.model, server.process.pid
        served = FusionSettings(
            backend="openai",
            openai_base_url=base_url,
            openai_model=model or "default",
            max_concurrency=max(levels),
            openai_timeout_s=300.0,
        )
        configs: list[tuple[FusionSettings, str, int, int | None]] = []
        if args.backend == "transformers":  # no server: the in-process backend's strategies
            threads = {"torch_threads": args.torch_threads} if args.torch_threads else {}
            local = FusionSettings(backend="transformers", **threads)
            configs = [(local, strategy, 1, None) for strategy in strategies]
            served = local
        elif args.side_by_side:
            for strategy in ("grounded",):
                configs.append((FusionSettings(backend="transformers"), strategy, 1, None))
        for strategy in strategies if served.backend == "openai" else ():
            for level in levels:
                configs.append((served, strategy, level, server_pid))
        backends: dict[str, LLMBackend] = {}
        served_runs = 0
        for settings, strategy, level, pid in configs:
            # llama.cpp's server keeps each slot's last prompt: a clip fused again in a later
            # configuration would skip its prompt pass, so each served configuration gets
            # clips of its own (the first one the in-process backend's clips)
            offset = args.limit * served_runs if pid is not None and args.limit else 0
            served_runs += pid is not None
            clips = clue_rows[args.warmup + offset : args.warmup + offset + len(counted)]
            if settings.backend not in backends:
                backends[settings.backend] = create_backend(settings)
            counting = CountingBackend(backends[settings.backend])
            fuser = Fuser(
                counting,
                load_prompt(settings.prompt),
                vocab,
                strategy=strategy,
                max_labels=settings.max_labels,
            )
            line = run_config(fuser, counting, warm, clips, level, pid, references, vocab)
            label = f"{settings.backend}/{strategy}"
            print(
                f"{label:30} {level:4d} {line}  clips {offset + 1}-{offset + len(clips)}",
                flush=True,
            )
    print(
        "json1: share of clips whose first reply was usable JSON (labels in the vocabulary); "
        "json2: after the one repair turn; prose: share labelled from the emotion words of a "
        "reply that stayed prose (the local repair); '-' where the strategy does not generate"
    )


def run_config(
    fuser: Fuser,
    counting: CountingBackend,
    warm: list[ClueRow],
    counted: list[ClueRow],
    level: int,
    server_pid: int | None,
    references: dict[str, str],
    vocab: EmotionVocabulary,
) -> str:
    def fuse(row: ClueRow) -> tuple[str, list[str], set[str]]:
        output = fuser.fuse(clue_reports(row, vocab))
        return row.name, [label.label for label in output.labels], {e.code for e in output.errors}

    with ThreadPoolExecutor(max_workers=level) as pool:
        list(pool.map(fuse, warm))
        counting.counts = Counts()
        cpu0 = process_cpu_s(None) + (process_cpu_s(server_pid) if server_pid else 0.0)
        start = time.perf_counter()
        results = list(pool.map(fuse, counted))
        wall = time.perf_counter() - start
        cpu = process_cpu_s(None) + (process_cpu_s(server_pid) if server_pid else 0.0) - cpu0
    n = len(counted)
    fused = {name: labels for name, labels, _ in results}
    subset = {name: references[name] for name in fused}
    hit, _, _ = hit_rates(subset, fused, vocab)
    top1, _, _ = hit_rates(subset, {k: v[:1] for k, v in fused.items()}, vocab)
    counts = counting.counts
    if fuser.strategy == "generative":
        not_json = sum(bool(codes & NOT_JSON) for *_, codes in results)
        prose_share = sum("llm_output_prose" in codes for *_, codes in results) / n
        json1 = f"{1 - (counts.calls - n) / n:6.2f}"
        json2 = f"{1 - not_json / n:6.2f}"
        prose = f"{prose_share:6.2f}"
    else:
        json1 = json2 = prose = f"{'-':>6}"
    tokens = f"{counts.completion_tokens / wall:6.1f}" if counts.completion_tokens else f"{'-':>6}"
    return (
        f"{hit:5.2f} {top1:5.2f} {json1} {json2} {prose} {tokens} {60 * n / wall:9.1f} "
        f"{cpu / n:10.2f} {wall:7.1f}"
    )


if __name__ == "__main__":
    main()
