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
import os
import re
import time
from collections import Counter
from pathlib import Path

from emer_common.contracts import Modality
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.clue_text import hints_from_text
from emer_fusion.evaluation import evaluate
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

    settings = FusionSettings(backend=args.backend, strategy=args.strategy)
    fuser = build_fuser(settings)
    pred_csv = args.out / f"pred-{args.backend}-{fuser.strategy}.csv"
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
        f"({60 * len(rows) / elapsed:.0f} clips/min, backend {fuser.backend.info.model})"
    )
    print(f"{'labeller':34} {'hit':>6} {'family':>7}  per class (exact hit)")
    for name, predictions in (
        (f"majority class ({majority})", baseline_majority),
        ("lexicon only (top hint, no LLM)", lexicon),
        (f"fusion {args.backend}/{fuser.strategy} (all labels)", fused),
        (f"fusion {args.backend}/{fuser.strategy} (top-1)", fused_top1),
    ):
        hit, family, per_class = hit_rates(references, predictions, vocab)
        classes = " ".join(f"{k}={v:.2f}" for k, v in per_class.items())
        print(f"{name:34} {hit:6.2f} {family:7.2f}  {classes}")
    mean_labels = sum(len(v) for v in fused.values()) / len(fused)
    print(f"mean labels per clip (fusion): {mean_labels:.2f}")


if __name__ == "__main__":
    main()
