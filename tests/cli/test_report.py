"""write_outputs: results, job.json, scores.json and a self-contained report (no browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emer_cli.export import ExportFormat, export_results
from emer_cli.report import write_outputs
from emer_cli.scores import compute_scores
from emer_common.contracts import ClipResult, JobState, JobStatus, References
from emer_scoring.emotion_wheel import EmotionWheelMetric
from emer_scoring.wheel_assets import emer_default_assets
from tests.cli.synthetic import make_results

pytestmark = pytest.mark.unit
SET_LEVEL_KEYS = ("accuracy", "recall", "average")
STATUS = JobStatus(job_id="job-1", state=JobState.DONE, total_clips=30, done_clips=30)


def write(out: Path, results: list[ClipResult]) -> dict[str, object]:
    write_outputs(out, STATUS, results, [], {"total_s": 12.0})
    job: dict[str, object] = json.loads((out / "job.json").read_text())
    return job


def test_references_give_scores_json_and_a_summary(tmp_path: Path) -> None:
    results = make_results(30)
    job = write(tmp_path, results)
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["type"] == "emer.scores.v1" and scores["clips"] == 30
    expected = EmotionWheelMetric(emer_default_assets(), "level2").score(
        [r.references.labels for r in results if r.references], [r.labels for r in results]
    )
    assert scores["emotion_wheel"]["level2"]["F"] == pytest.approx(expected.f_score)
    assert set(scores["hit_rate"]) == {"level1", "level2"}
    assert job["scores"] == {
        "clips": 30,
        "vocabulary": "emer-default",
        **{
            f"emotion_wheel.{level}": {
                k: round(scores["emotion_wheel"][level][k], 4) for k in ("F", "P", "R")
            }
            for level in ("level1", "level2")
        },
        **{
            f"hit_rate.{lv}": round(scores["hit_rate"][lv]["hit_rate"], 4)
            for lv in scores["hit_rate"]
        },
        "set_level": {
            k: round(scores["set_level"][k], 4) for k in ("accuracy", "recall", "average")
        },
    }
    assert "Scores against the references" in (tmp_path / "report.html").read_text()


def test_scores_json_agrees_with_emer_score_on_the_exported_csvs(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from emer_cli.main import app

    results = make_results(40, seed=3)
    write(tmp_path, results)
    export_results(results, tmp_path / "export", [ExportFormat.MER])
    args = ["--ref", str(tmp_path / "export/ref-openset.csv")]
    args += ["--pred", str(tmp_path / "export/pred-openset.csv"), "--json"]
    scores = json.loads((tmp_path / "scores.json").read_text())
    for level in (1, 2):
        out = CliRunner().invoke(app, ["score", "ew", *args, "--level", str(level)])
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["F"] == pytest.approx(
            scores["emotion_wheel"][f"level{level}"]["F"]
        )


def test_perfect_labels_and_synonyms_score_one() -> None:
    results = [
        r.model_copy(update={"labels": (label,), "references": References(labels=("happy",))})
        for r, label in zip(make_results(3), ("glad", "happiness", "Happy"), strict=True)
    ]
    scores = compute_scores(results)
    assert scores is not None
    assert scores["set_level"]["accuracy"] == scores["set_level"]["recall"] == 1.0
    assert scores["hit_rate"]["level1"]["hit_rate"] == 1.0


def test_without_references_there_is_no_scores_file(tmp_path: Path) -> None:
    write(tmp_path, make_results(5))
    assert (tmp_path / "scores.json").exists()
    plain = [r.model_copy(update={"references": None}) for r in make_results(5)]
    job = write(tmp_path, plain)
    assert not (tmp_path / "scores.json").exists() and "scores" not in job


def test_report_is_one_self_contained_page(tmp_path: Path) -> None:
    results = make_results(12)
    hostile = results[0].model_copy(update={"explanation": "</script><script>alert(1)</script>"})
    write(tmp_path, [hostile, *results[1:]])
    page = (tmp_path / "report.html").read_text()
    assert page.startswith("<!doctype html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "<script src" not in page
    assert page.count("</script>") == 2  # the data block and the script, nothing injected
