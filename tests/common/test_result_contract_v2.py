"""Result contract v2: typed evidence values that columnar formats hold, v1 still read."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from emer_common.contracts import (
    ClipJob,
    ClipResult,
    ClueReport,
    ClueStatus,
    Evidence,
    MediaRef,
    Modality,
    decode,
    encode,
)

pytestmark = pytest.mark.unit

JOB = ClipJob(
    job_id="j1",
    clip_id="c1",
    source="clip.mp4",
    media=MediaRef(kind="path", path="/data/clip.mp4"),
    subtitle="I can't believe it.",
)


def v1_line() -> bytes:
    """A results.jsonl line as emer wrote it before v2: mixed ``value`` and a job per clue."""
    evidence = [
        {"name": "expression_segment", "value": "happy", "start_s": 0.0, "end_s": 1.5},
        {"name": "f0_median", "value": 182.5, "unit": "Hz"},
    ]
    clue = {
        "type": "emer.clue.v1",
        "job_id": "j1",
        "clip_id": "c1",
        "modality": "visual",
        "status": "ok",
        "job": json.loads(encode(JOB)),
        "evidence": evidence,
        "emotion_hints": {"happy": 0.6},
    }
    record = {
        "type": "emer.result.v1",
        "job_id": "j1",
        "clip_id": "c1",
        "source": "clip.mp4",
        "clues": {"visual": clue},
        "explanation": "A smile.",
        "labels": ["happy"],
    }
    return json.dumps(record).encode()


def test_evidence_keeps_numbers_and_texts_apart() -> None:
    number = Evidence(name="f0_median", value=182, unit="Hz")
    text = Evidence(name="expression_segment", value="happy")
    assert (number.number, number.text, number.value) == (182.0, None, 182.0)
    assert (text.number, text.text, text.value) == (None, "happy", "happy")
    assert "value" not in json.loads(encode(text))
    with pytest.raises(ValidationError):
        Evidence(name="nothing")
    with pytest.raises(ValidationError):
        Evidence(name="both", number=1.0, text="one")


def test_a_v1_result_is_read_as_v2() -> None:
    result = decode(ClipResult, v1_line())
    assert result.type == "emer.result.v2"
    clue = result.clues[Modality.VISUAL]
    assert clue.type == "emer.clue.v2" and clue.job is None
    assert [(e.number, e.text) for e in clue.evidence] == [(None, "happy"), (182.5, None)]
    assert decode(ClipResult, encode(result)) == result


def test_results_do_not_repeat_the_job_in_each_clue() -> None:
    clues = {
        m: ClueReport(job_id="j1", clip_id="c1", modality=m, status=ClueStatus.OK, job=JOB)
        for m in Modality
    }
    result = ClipResult(job_id="j1", clip_id="c1", source="x", clues=clues, explanation="")
    assert all(c.job is None for c in result.clues.values())
    assert b"/data/clip.mp4" not in encode(result)
    # the bus message keeps it: fusion joins on it
    assert decode(ClueReport, encode(clues[Modality.TEXT])).job == JOB


def test_v1_lines_break_arrow_and_v2_lines_load_and_write_parquet() -> None:
    with pytest.raises(pa.ArrowInvalid):
        pa_json.read_json(io.BytesIO(v1_line() + b"\n"))
    v2 = encode(decode(ClipResult, v1_line())) + b"\n"
    table = pa_json.read_json(io.BytesIO(v2 * 3))
    pq.write_table(table, io.BytesIO())
    assert table.num_rows == 3
