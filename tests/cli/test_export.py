"""`emer export`: tables, subtitles and the CSV that `emer score` reads (no bus, no models)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from emer_cli.export import (
    CLIP_COLUMNS,
    EVIDENCE_COLUMNS,
    ExportFormat,
    export_results,
    openset_cell,
    read_results,
    transcript_cues,
)
from emer_cli.main import app
from emer_common.contracts import ClipResult, Modality
from emer_common.subtitles import parse_cues
from emer_scoring.emotion_wheel import EmotionWheelMetric
from emer_scoring.label_lists import parse_official_list, parse_strict_list, parse_wheel_list
from emer_scoring.wheel_assets import emer_default_assets
from tests.cli.synthetic import make_results

pytestmark = pytest.mark.unit
runner = CliRunner()
CLIPS = 23


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    lines = "".join(r.model_dump_json() + "\n" for r in make_results(CLIPS))
    (out / "results.jsonl").write_text(lines, encoding="utf-8")
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_tables_have_one_row_per_clip_and_per_evidence(out_dir: Path) -> None:
    result = runner.invoke(app, ["export", str(out_dir), "--to", "csv"])
    assert result.exit_code == 0, result.output
    assert "23 clip(s) exported" in result.output and "transcripts/" in result.output
    clips = read_csv(out_dir / "export" / "clips.csv")
    assert [c["clip_id"] for c in clips] == [f"clip_{i:05d}" for i in range(CLIPS)]
    assert list(clips[0]) == list(CLIP_COLUMNS)
    ok, no_face, failed = clips[0], clips[3], clips[10]
    assert ok["status_visual"] == ok["status_audio"] == ok["status_text"] == "ok"
    assert ok["explanation"].endswith("<b>quoted</b> & escaped.")
    assert ok["top_label"] == ok["labels"].split(", ")[0] and float(ok["top_score"]) == 1.0
    assert no_face["status_visual"] == "no_signal" and no_face["error_codes"] == "no_face"
    assert failed["status_audio"] == "not_run" and failed["error_codes"] == "unreadable_media"
    evidence = read_csv(out_dir / "export" / "evidence.csv")
    assert list(evidence[0]) == list(EVIDENCE_COLUMNS)
    f0 = next(e for e in evidence if e["name"] == "f0_median")
    assert f0["text"] == "" and float(f0["number"]) > 0 and f0["unit"] == "Hz"
    segment = next(e for e in evidence if e["name"] == "expression_segment")
    assert segment["number"] == "" and segment["text"] and segment["start_s"] != ""


def test_parquet_tables_are_typed_and_match_the_csv(out_dir: Path) -> None:
    dest = out_dir / "tables"
    summary = export_results(
        read_results(out_dir / "results.jsonl"), dest, [ExportFormat.CSV, ExportFormat.PARQUET]
    )
    assert summary.clips == CLIPS
    clips = pq.read_table(dest / "clips.parquet")
    evidence = pq.read_table(dest / "evidence.parquet")
    assert clips.num_rows == CLIPS and clips.column_names == list(CLIP_COLUMNS)
    assert str(evidence.schema.field("number").type) == "double"
    assert str(evidence.schema.field("text").type) == "string"
    assert evidence.num_rows == len(read_csv(dest / "evidence.csv"))
    numbers = evidence.column("number").to_pylist()
    texts = evidence.column("text").to_pylist()
    assert all((n is None) != (t is None) for n, t in zip(numbers, texts, strict=True))


def test_transcripts_are_cut_from_timed_words(out_dir: Path) -> None:
    results = read_results(out_dir / "results.jsonl")
    export_results(results, out_dir / "export", [ExportFormat.CSV])
    first = results[1]
    cues = transcript_cues(first)
    srt = (out_dir / "export" / "transcripts" / f"{first.clip_id}.srt").read_text()
    vtt = (out_dir / "export" / "transcripts" / f"{first.clip_id}.vtt").read_text()
    assert vtt.startswith("WEBVTT\n")
    assert srt.startswith("1\n00:00:08,000 --> ")  # source time: the clip starts at 8 s
    for text in (srt, vtt):
        parsed = [(c.start_s, c.end_s, c.text) for c in parse_cues(text)]
        assert parsed == [(c.start_s, c.end_s, c.text) for c in cues]
    assert " ".join(c.text for c in cues) == "I really can't believe you did that to me again today"
    assert all(len(c.text.split()) <= 8 for c in cues)
    # a failed clip has no audio report, so no transcript
    assert not (out_dir / "export" / "transcripts" / f"{results[10].clip_id}.srt").exists()


def test_openset_cells_read_back_with_every_scoring_parser() -> None:
    cell = openset_cell(["happy", "let's go", "sad"])
    for parser in (parse_wheel_list, parse_official_list, parse_strict_list):
        assert parser(cell) == ("happy", "lets go", "sad")
    assert openset_cell([]) == "[]" and parse_wheel_list("[]") == ()


def test_emer_score_reads_the_exported_csvs_as_they_are(out_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["export", str(out_dir), "--to", "mer"]).exit_code == 0
    export = out_dir / "export"
    ref, pred = export / "ref-openset.csv", export / "pred-openset.csv"
    result = runner.invoke(app, ["score", "ew", "--ref", str(ref), "--pred", str(pred), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    results = read_results(out_dir / "results.jsonl")
    expected = EmotionWheelMetric(emer_default_assets(), "level1").score(
        [r.references.labels if r.references else () for r in results],
        [r.labels for r in results],
    )
    assert scores["F"] == pytest.approx(expected.f_score)
    assert 0 < scores["F"] < 1

    synonyms = tmp_path / "synonyms"
    synonyms.mkdir()
    for r in results:
        np.save(synonyms / f"{r.clip_id}.npy", np.array("[['happy', 'joyful'], ['sad']]"))
    args = ["score", "ov", "--ref", str(ref), "--pred", str(pred), "--synonyms", str(synonyms)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["clips"] == CLIPS


def test_v1_results_export_too(tmp_path: Path) -> None:
    result = make_results(2)[1]
    record = json.loads(result.model_dump_json())
    record["type"] = "emer.result.v1"
    for clue in record["clues"].values():
        clue["type"] = "emer.clue.v1"
        for item in clue["evidence"]:
            item["value"] = item.pop("number") if item["number"] is not None else item.pop("text")
    (tmp_path / "results.jsonl").write_text(json.dumps(record) + "\n")
    read = read_results(tmp_path / "results.jsonl")
    assert read[0].clues[Modality.AUDIO].evidence == result.clues[Modality.AUDIO].evidence
    assert isinstance(read[0], ClipResult)


def test_unusable_inputs_are_explained(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(tmp_path)])
    assert result.exit_code == 2
    assert "results.jsonl does not exist" in result.output
    (tmp_path / "results.jsonl").write_text(make_results(1)[0].model_dump_json() + "\n{}\n")
    result = runner.invoke(app, ["export", str(tmp_path)])
    assert result.exit_code == 2
    assert "line 2: not an emer result" in result.output
    result = runner.invoke(app, ["export", str(tmp_path), "--to", "xlsx"])
    assert result.exit_code == 2


def test_parquet_without_pyarrow_says_what_to_install(
    out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    result = runner.invoke(app, ["export", str(out_dir), "--to", "parquet"])
    assert result.exit_code == 2
    assert "pip install 'emer[export]'" in result.output
