"""The EMER-V1 text benchmark: its metric on known answers, and a run on the real file."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from emer_common.vocabulary import EmotionVocabulary
from emer_text.settings import TextSettings

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_benchmark(name: str) -> ModuleType:
    """A script of ``benchmarks/`` as a module (they are scripts, not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve their module by name, and text_emer_v1 imports its sibling by name
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


metric = load_benchmark("text_agreement")
FIVE_CLASSES, agreement, to_five_class = metric.FIVE_CLASSES, metric.agreement, metric.to_five_class


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_benchmark("text_emer_v1")


@pytest.mark.unit
def test_five_class_mapping() -> None:
    vocabulary = EmotionVocabulary.default()
    assert to_five_class({"grateful": 0.9, "sad": 0.2}, vocabulary) == "happy"
    assert to_five_class({"annoyed": 0.4}, vocabulary) == "angry"
    assert to_five_class({"disgusted": 0.4}, vocabulary) == "angry"
    assert to_five_class({"afraid": 0.4}, vocabulary) == "worried"
    assert to_five_class({"hurt": 0.4}, vocabulary) == "sad"
    assert to_five_class({"surprised": 0.4}, vocabulary) == "surprise"
    assert to_five_class({"neutral": 0.5}, vocabulary) is None
    assert to_five_class({}, vocabulary) is None


@pytest.mark.unit
def test_agreement_on_known_answers() -> None:
    references = ["angry", "angry", "happy", "sad"]
    report = agreement(["angry", None, "sad", "sad"], references)
    assert (report.total, report.correct, report.abstained) == (4, 2, 1)
    assert report.accuracy == 0.5
    assert report.majority_label == "angry" and report.majority_accuracy == 0.5
    recalls = {c.label: c.recall for c in report.per_class}
    assert recalls == {"angry": 0.5, "happy": 0.0, "sad": 1.0}
    assert report.mean_class_recall == pytest.approx(0.5)
    assert report.answered_accuracy == pytest.approx(2 / 3)
    assert report.answered_majority_accuracy == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="predictions"):
        agreement(["angry"], references)


@pytest.mark.benchmark_data
def test_emer_v1_benchmark_runs(script: ModuleType, benchmark_dir: Path) -> None:
    clips = script.load_clips(benchmark_dir, "eng")
    assert len(clips) == 100
    assert sum(not clip.subtitle.strip() for clip in clips) == 7
    labels = Counter(clip.label for clip in clips)
    assert labels == {"angry": 36, "happy": 32, "worried": 17, "sad": 11, "surprise": 4}

    result = script.run(clips, TextSettings())
    report = result.report
    assert report.majority_label == "angry" and report.majority_accuracy == 0.36
    assert sum(c.support for c in report.per_class) == 100
    assert all(0 <= c.correct <= c.support for c in report.per_class)
    assert report.correct == sum(c.correct for c in report.per_class)
    assert set(result.predictions) <= {*FIVE_CLASSES, None}
    assert report.abstained >= 7  # every empty subtitle abstains
    assert len(result.ms_per_clip) == 93
    # The always-angry baseline through the same metric reproduces the published 36%.
    assert agreement(["angry"] * 100, [c.label for c in clips]).accuracy == 0.36
    assert "| **overall** | 100 |" in script.format_result(result, "EMER-V1")


@pytest.mark.benchmark_data
def test_emer_v1_chinese_subtitles_align(script: ModuleType, benchmark_dir: Path) -> None:
    clips = script.load_clips(benchmark_dir, "chi")
    assert len(clips) == 100
    assert clips[0].label == "angry" and clips[0].subtitle == "别再跟我说感觉。"
