"""Development benchmark for fusion on EMER-V1 (100 clips, English references).

Each reference explanation (`reasons`) minus its concluding sentence (the one that names the
emotion) becomes the clues; sentences go to the visual / audio / text column by their
wording. Fusion's labels are then checked against the discrete `emotions` label: a hit when
the labels contain it after normalisation (exact base word), and a family hit when one label
shares its emotion family (anger, joy, sadness, fear, surprise). Baselines: majority class,
and a lexicon-only labeller (the strongest hint from the clue text, no LLM).

    EMER_BENCHMARK_DIR=../shared/benchmarks .venv/bin/python benchmarks/fusion_emer_v1.py \
        [--backend transformers|openai] [--strategy grounded|generative] [--out out/fusion-emer-v1]
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import time
from collections import Counter
from pathlib import Path

from emer_common.contracts import Modality
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.backends.base import GenerationOptions
from emer_fusion.backends.registry import create_backend
from emer_fusion.clue_text import hints_from_text
from emer_fusion.evaluation import clue_reports, evaluate, read_clues
from emer_fusion.prompts import clue_blocks, load_prompt
from emer_fusion.service import build_fuser
from emer_fusion.settings import FusionSettings

CONCLUSION = re.compile(r"\b(therefore|thus|in summary|overall|based on)\b", re.IGNORECASE)
AUDIO_WORDS = re.compile(r"\b(voice|tone|audio|speak|spoke|says|said|sound|laugh)", re.IGNORECASE)
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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
