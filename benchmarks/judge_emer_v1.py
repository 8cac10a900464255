"""The LLM judge on EMER-V1's six published baselines, through an OpenAI-compatible server.

Each baseline's Chinese explanation (``chi_reasons``) is judged against the Chinese reference
(``gt.csv``) with the judge prompt in Chinese, for the first ``--clips`` clips. It prints each
baseline's mean clue/label overlap (1-10), the share of replies that held no usable scores,
and the rank agreement (Spearman's rho, Kendall's tau) of the judge's means with the published
GPT-3.5 scores in the EMER paper. ``--llama-server`` starts `make llama-server`'s binary on
the packaged SmolLM2-135M GGUF; ``--base-url`` uses a running server instead.

    EMER_BENCHMARK_DIR=../shared/benchmarks python benchmarks/judge_emer_v1.py \
        --llama-server --clips 20 --concurrency 4
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from scipy.stats import kendalltau, spearmanr

from emer_common.llm.openai_http import OpenAIChatBackend
from emer_scoring.judge import ExplanationJudge, JudgeReplyError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.servers.llama

# file -> (name, published clue overlap, published label overlap); EMER paper, GPT-3.5 judge
PUBLISHED = {
    "videochat(text).csv": ("VideoChat-Text", 6.42, 3.94),
    "videollama.csv": ("Video-LLaMA", 6.64, 4.89),
    "videochatgpt.csv": ("Video-ChatGPT", 6.95, 5.74),
    "pandagpt.csv": ("PandaGPT", 7.14, 5.51),
    "videochat(emb).csv": ("VideoChat-Embed", 7.15, 5.65),
    "valley.csv": ("Valley", 7.24, 5.77),
}


def read_reasons(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["names"]: row["chi_reasons"] for row in csv.DictReader(handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--base-url", default="")
    parser.add_argument("--model", default="default")
    parser.add_argument("--llama-server", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("out/judge-emer-v1"))
    args = parser.parse_args()
    folder = Path(os.environ["EMER_BENCHMARK_DIR"]) / "emer-v1-baseline_results"
    reference = read_reasons(folder / "gt.csv")
    names = sorted(reference)[: args.clips]
    args.out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        base_url, model = args.base_url, args.model
        if args.llama_server:
            from tests.servers.llama import benchmark_server

            log_path = args.out / "llama-server.log"
            server = benchmark_server(stack, log_path, args.threads, args.concurrency)
            base_url, model = server.base_url, server.model
        backend = OpenAIChatBackend(
            base_url, model, timeout_s=300.0, max_concurrency=args.concurrency
        )
        judge = ExplanationJudge(backend, language="zh")
        print(f"judge: {backend.info.model} at {base_url}; {len(names)} clips per baseline")
        print(f"{'baseline':16} {'clue':>5} {'label':>5} {'unusable':>8}   published clue/label")
        ours_clue, ours_label, pub_clue, pub_label = [], [], [], []
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            for file, (title, clue_pub, label_pub) in PUBLISHED.items():
                predicted = read_reasons(folder / file)

                def one(name: str, predicted: dict[str, str] = predicted) -> tuple[float, float]:
                    try:
                        verdict = judge.judge(reference[name], predicted.get(name, ""))
                    except JudgeReplyError:
                        return float("nan"), float("nan")
                    return verdict.clue_overlap, verdict.label_overlap

                verdicts = list(pool.map(one, names))
                usable = [v for v in verdicts if v[0] == v[0]]
                clue = sum(v[0] for v in usable) / len(usable) if usable else float("nan")
                label = sum(v[1] for v in usable) / len(usable) if usable else float("nan")
                unusable = 1 - len(usable) / len(verdicts)
                print(
                    f"{title:16} {clue:5.2f} {label:5.2f} {unusable:8.2f}   "
                    f"{clue_pub:.2f} / {label_pub:.2f}",
                    flush=True,
                )
                ours_clue.append(clue)
                ours_label.append(label)
                pub_clue.append(clue_pub)
                pub_label.append(label_pub)
        elapsed = time.perf_counter() - start
    for what, ours, published in (
        ("clue overlap", ours_clue, pub_clue),
        ("label overlap", ours_label, pub_label),
    ):
        rho = spearmanr(ours, published).statistic
        tau = kendalltau(ours, published).statistic
        print(f"rank agreement, {what}: Spearman rho {rho:+.2f}, Kendall tau {tau:+.2f}")
    print(f"{6 * len(names)} verdicts in {elapsed:.0f} s ({6 * len(names) / elapsed:.2f}/s)")


if __name__ == "__main__":
    main()
