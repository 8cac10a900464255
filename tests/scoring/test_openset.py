from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emer_scoring.label_lists import list_syntax
from emer_scoring.openset import (
    clip_accuracy_recall,
    load_synonym_texts,
    score_openset,
    synonym_map,
)
from emer_scoring.tables import ScoringInputError

pytestmark = pytest.mark.unit

GROUPS = "[['happy', 'joyful'], ['worried', 'anxious', 'happy']]"


def test_synonym_map_first_word_and_later_group_wins() -> None:
    mapping = synonym_map(list_syntax("official").groups(GROUPS))
    assert mapping == {
        "happy": "worried",
        "joyful": "happy",
        "worried": "worried",
        "anxious": "worried",
    }


def test_clip_accuracy_recall() -> None:
    synonyms = {"joyful": "happy"}
    assert clip_accuracy_recall(["Happy", "sad"], ["joyful"], synonyms) == (1.0, 0.5)
    assert clip_accuracy_recall(["happy"], [], synonyms) == (0.0, 0.0)
    assert clip_accuracy_recall([], ["happy"], synonyms) is None


def write_npy(path: Path, text: str) -> None:
    np.save(path, np.array(text))


def test_synonyms_from_a_directory_and_a_zip(tmp_path: Path) -> None:
    folder = tmp_path / "openset-synonym"
    folder.mkdir()
    write_npy(folder / "clip_a.npy", GROUPS)
    write_npy(folder / "clip_b.npy", "[['sad']]")
    archive = tmp_path / "synonyms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f"openset-synonym/{f.name}")
    expected = {"clip_a": GROUPS, "clip_b": "[['sad']]"}
    assert load_synonym_texts(folder) == expected
    assert load_synonym_texts(archive) == expected


def test_pickled_synonym_files_are_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "clip.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ScoringInputError, match="without pickle"):
        load_synonym_texts(tmp_path)


def test_missing_synonyms_name_the_clip() -> None:
    syntax = list_syntax("strict")
    with pytest.raises(ScoringInputError, match="'b'"):
        score_openset(
            ["a", "b"], {"a": ["x"], "b": ["y"]}, {"a": ["x"], "b": []}, {"a": "[]"}, syntax
        )


labels = st.lists(
    st.sampled_from(["happy", "joyful", "sad", "worried", "anxious", "calm"]),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(labels, min_size=1, max_size=6))
def test_perfect_and_empty_predictions(references: list[list[str]]) -> None:
    syntax = list_syntax("strict")
    names = [f"c{i}" for i in range(len(references))]
    refs = dict(zip(names, references, strict=True))
    synonyms = {n: GROUPS for n in names}
    perfect = score_openset(names, refs, refs, synonyms, syntax)
    assert (perfect.accuracy, perfect.recall, perfect.average) == (1.0, 1.0, 1.0)
    empty = score_openset(names, refs, {n: [] for n in names}, synonyms, syntax)
    assert (empty.accuracy, empty.recall, empty.average) == (0.0, 0.0, 0.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(labels, labels), min_size=1, max_size=6), st.randoms(use_true_random=False)
)
def test_invariant_to_order_case_and_duplicates(
    pairs: list[tuple[list[str], list[str]]], rnd: object
) -> None:
    syntax = list_syntax("strict")
    names = [f"c{i}" for i in range(len(pairs))]
    synonyms = {n: GROUPS for n in names}

    def scramble(xs: list[str]) -> list[str]:
        out = [x.upper() if rnd.random() < 0.5 else x.title() for x in xs] + xs[:1]  # type: ignore[attr-defined]
        rnd.shuffle(out)  # type: ignore[attr-defined]
        return out

    refs = {n: p[0] for n, p in zip(names, pairs, strict=True)}
    preds = {n: p[1] for n, p in zip(names, pairs, strict=True)}
    base = score_openset(names, refs, preds, synonyms, syntax)
    again = score_openset(
        names,
        {n: scramble(v) for n, v in refs.items()},
        {n: scramble(v) for n, v in preds.items()},
        synonyms,
        syntax,
    )
    assert (again.accuracy, again.recall) == (base.accuracy, base.recall)
