"""Fixtures of the scoring tests: a fake LLM backend and the benchmark assets (when present)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from emer_common.contracts import ModelInfo
from emer_common.llm.base import BackendError, ChatMessage, Generation, GenerationOptions
from emer_scoring.mer_assets import load_mer_assets
from emer_scoring.tables import LabelTable, read_label_table
from emer_scoring.wheel_assets import WheelAssets, emer_default_assets

Reply = Callable[[Sequence[ChatMessage], GenerationOptions], str]


@dataclass
class FakeBackend:
    """Implements the fusion ``LLMBackend`` Protocol with scripted replies; records calls."""

    reply: Reply
    model: str = "fake-judge"
    calls: list[tuple[list[ChatMessage], GenerationOptions]] = field(default_factory=list)

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(component="scoring", backend="fake", model=self.model, version="0")

    def generate(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Generation:
        self.calls.append((list(messages), options))
        return Generation(text=self.reply(messages, options))

    def score_candidates(
        self, messages: Sequence[ChatMessage], prefix: str, candidates: Sequence[str]
    ) -> list[float]:
        raise BackendError("the fake backend cannot score", transient=False)


def replying(text: str) -> FakeBackend:
    return FakeBackend(lambda messages, options: text)


@pytest.fixture(scope="session")
def emer_assets() -> WheelAssets:
    return emer_default_assets()


@dataclass(frozen=True)
class OvStore:
    reference_csv: Path
    prediction_csv: Path
    synonyms_zip: Path
    reference: LabelTable
    prediction: LabelTable


@pytest.fixture(scope="session")
def ov_store(benchmark_dir: Path) -> OvStore:
    folder = benchmark_dir / "mer2024-ov_store"
    ref, pred = folder / "check-openset.csv", folder / "predict-openset.csv"
    return OvStore(
        ref, pred, folder / "openset-synonym.zip", read_label_table(ref), read_label_table(pred)
    )


@pytest.fixture(scope="session")
def mer_assets(benchmark_dir: Path) -> dict[str, WheelAssets]:
    names = ("mer2025-emotion_wheel", "mer2026-emotion_wheel")
    return {name: load_mer_assets(benchmark_dir / name) for name in names}
