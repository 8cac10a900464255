"""``emer score`` through typer's CliRunner on the sub-app, with small CSVs written here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from emer_scoring.cli import score_app

pytestmark = pytest.mark.unit

REF = "name,openset\nc1,\"['happy', 'relieved']\"\nc2,\"['angry']\"\nc3,\"['worried']\"\n"
PRED = "name,openset\nc1,\"['joyful']\"\nc2,\"['furious', 'sad']\"\nc3,\"[]\"\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(score_app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path, "ref.csv", REF), write(tmp_path, "pred.csv", PRED)


def test_ew_json_with_emer_wheels(files: tuple[Path, Path]) -> None:
    ref, pred = files
    code, out, _ = run("ew", "--ref", str(ref), "--pred", str(pred), "--json")
    assert code == 0
    data = json.loads(out)
    assert {"F", "P", "R", "per_wheel"} <= data.keys()
    assert set(data["per_wheel"]) == {"parrott", "plutchik"}
    # c1: joy vs joy -> P 1, R 1; c2: {anger} vs {anger, sadness} -> P .5, R 1; c3: empty -> 0
    assert data["P"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert data["R"] == pytest.approx((1 + 1 + 0) / 3)


def test_ew_table(files: tuple[Path, Path]) -> None:
    ref, pred = files
    code, out, _ = run("ew", "--ref", str(ref), "--pred", str(pred), "--level", "2")
    assert code == 0
    assert "parrott" in out and "mean" in out and "level2" in out


def test_ov_json_and_table(files: tuple[Path, Path], tmp_path: Path) -> None:
    ref, pred = files
    folder = tmp_path / "syn"
    folder.mkdir()
    groups = {"c1": "[['happy', 'joyful'], ['relieved']]", "c2": "[['angry', 'furious'], ['sad']]"}
    groups["c3"] = "[['worried']]"
    for name, text in groups.items():
        np.save(folder / f"{name}.npy", np.array(text))
    code, out, _ = run(
        "ov", "--ref", str(ref), "--pred", str(pred), "--synonyms", str(folder), "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["accuracy"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert data["recall"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert data["average"] == pytest.approx((data["accuracy"] + data["recall"]) / 2)
    code, out, _ = run(
        "ov",
        "--ref",
        str(ref),
        "--pred",
        str(pred),
        "--synonyms",
        str(folder),
        "--parser",
        "strict",
    )
    assert code == 0 and "accuracy" in out and "strict" in out


def test_missing_column_names_the_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    ref, _ = files
    bad = write(tmp_path, "bad.csv", "names,emotions\nc1,happy\n")
    code, _, err = run("ew", "--ref", str(ref), "--pred", str(bad))
    assert code == 2
    assert str(bad) in err and "missing column(s) 'name', 'openset'" in err


def test_unparsable_list_names_file_and_row(files: tuple[Path, Path], tmp_path: Path) -> None:
    ref, _ = files
    bad = write(
        tmp_path, "bad.csv", PRED.replace("\"['furious', 'sad']\"", "\"['furious', 'sad'\"")
    )
    code, _, err = run("ew", "--ref", str(ref), "--pred", str(bad))
    assert code == 2
    assert f"{bad}: row 2" in err and "unbalanced brackets" in err


def test_strict_parser_errors_name_the_row(files: tuple[Path, Path], tmp_path: Path) -> None:
    ref, _ = files
    bad = write(tmp_path, "bad.csv", PRED.replace('"[]"', "\"['ok', unquoted]\""))
    code, _, err = run(
        "ov",
        "--ref",
        str(ref),
        "--pred",
        str(bad),
        "--synonyms",
        str(tmp_path),
        "--parser",
        "strict",
    )
    assert code == 2
    assert f"{bad}: row 3" in err and "not a Python list literal" in err


def test_names_in_one_file_only(files: tuple[Path, Path], tmp_path: Path) -> None:
    ref, _ = files
    short = write(tmp_path, "short.csv", 'name,openset\nc1,"[\'happy\']"\nc2,"[]"\nc9,"[]"\n')
    code, _, err = run("ew", "--ref", str(ref), "--pred", str(short))
    assert code == 2
    assert f"{short}: no row for 1 name(s)" in err and "'c3'" in err and "row 3" in err


def test_duplicate_names(files: tuple[Path, Path], tmp_path: Path) -> None:
    ref, _ = files
    dup = write(tmp_path, "dup.csv", PRED + "c1,\"['sad']\"\n")
    code, _, err = run("ew", "--ref", str(ref), "--pred", str(dup))
    assert code == 2
    assert f"{dup}: row 4: duplicate name 'c1' (first seen in row 1)" in err


def test_missing_synonyms_and_bad_wheels_dir(files: tuple[Path, Path], tmp_path: Path) -> None:
    ref, pred = files
    code, _, err = run("ov", "--ref", str(ref), "--pred", str(pred), "--synonyms", str(tmp_path))
    assert code == 2 and "no synonym groups for clip 'c1'" in err
    code, _, err = run("ew", "--ref", str(ref), "--pred", str(pred), "--wheels", str(tmp_path))
    assert code == 2 and "format.csv" in err


def test_bad_level_is_a_usage_error(files: tuple[Path, Path]) -> None:
    ref, pred = files
    code, _, _ = run("ew", "--ref", str(ref), "--pred", str(pred), "--level", "3")
    assert code == 2


def test_unreadable_inputs_are_named_without_an_errno(tmp_path: Path) -> None:
    """On main: "cannot read the file ([Errno 2] No such file or directory: '...')"."""
    from emer_scoring.tables import ScoringInputError, read_label_table

    folder = tmp_path / "refs.csv"
    folder.mkdir()
    latin = write(tmp_path, "latin.csv", "")
    latin.write_bytes("name,openset\nc1,\"['gen\xe9']\"\n".encode("latin-1"))
    for path, reason in (
        (tmp_path / "missing.csv", "it does not exist"),
        (folder, "it is a folder"),
        (latin, "not UTF-8 text"),
    ):
        with pytest.raises(ScoringInputError) as raised:
            read_label_table(path)
        assert reason in str(raised.value)
        assert "Errno" not in str(raised.value) and "Error" not in str(raised.value)
