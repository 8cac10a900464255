"""`import emer; emer.analyze([...])`, as a notebook uses it: in-process, no NATS, typed results."""

from __future__ import annotations

from pathlib import Path

import emer
import pytest

from emer_common.contracts import ClipResult, ClueStatus, Modality
from tests.conftest import SAMPLES

pytestmark = pytest.mark.integration


def test_analyze_in_process_returns_the_results_jsonl_model(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 2000)  # a header, no streams
    results = emer.analyze([SAMPLES / "happy_news.mp4", broken])

    assert [type(r) for r in results][:1] == [ClipResult]
    (happy,) = [r for r in results if r.clip_id == "happy_news"]
    assert set(happy.clues) == set(Modality)
    assert all(c.status is ClueStatus.OK for c in happy.clues.values())
    assert set(happy.labels) & {"happy", "excited", "joyful", "delighted"}
    assert "In the video" in happy.explanation
    # a file that cannot be used is skipped (the CLI lists why), the rest is explained
    assert all(r.clip_id != "broken" or r.errors for r in results)

    again = emer.analyze([SAMPLES / "happy_news.mp4"], modalities=["text", "audio"])
    assert set(again[0].clues) == {Modality.TEXT, Modality.AUDIO}
