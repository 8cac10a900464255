from __future__ import annotations

from typing import get_args

import pytest

from emer_common.errors import ConfigurationError, UnknownNameError
from emer_common.llm.base import BackendError
from emer_scoring.extraction import (
    EXTRACTORS,
    ExtractionError,
    ExtractorName,
    FallbackLabelExtractor,
    LexiconLabelExtractor,
    LLMLabelExtractor,
    build_extractor,
    parse_label_reply,
)

from .conftest import FakeBackend, replying

pytestmark = pytest.mark.unit

EXPLANATION = (
    "In the video, his brows are furrowed and he looks anxious; in the audio his voice is low "
    "and heavy. The content of the subtitle shows he is not angry but disappointed and tired. "
    "Based on these clues, he is worried and frustrated."
)


def test_lexicon_finds_base_words_in_order_skipping_negation_and_ambiguity() -> None:
    labels = LexiconLabelExtractor().extract(EXPLANATION)
    assert labels.method == "lexicon"
    assert labels.labels == ("worried", "disappointed", "tired", "frustrated")


def test_lexicon_multiword_and_hyphenated_phrases() -> None:
    text = "She is fed up, a bit heavy-hearted, and looking forward to the weekend."
    assert LexiconLabelExtractor().extract(text).labels == ("exasperated", "sad", "anticipating")
    assert LexiconLabelExtractor().extract("A table and a chair.").labels == ()


def test_llm_extractor_validates_the_reply() -> None:
    backend = replying(
        'Labels: ["Worried", "anxious ", "worried", '
        '"a very long sentence that is not a label at all", ""]'
    )
    labels = LLMLabelExtractor(backend).extract(EXPLANATION)
    assert labels.labels == ("worried", "anxious")
    assert labels.method == "llm" and labels.model == "fake-judge"
    assert labels.prompt_version is not None and labels.prompt_version.startswith(
        "extract-labels-v1:"
    )
    ((messages, _),) = backend.calls
    assert EXPLANATION in messages[1].content


def test_parse_label_reply() -> None:
    assert parse_label_reply("[]") == ()
    assert parse_label_reply("['happy', don't know]") == ("happy", "don", "t know")
    with pytest.raises(ExtractionError):
        parse_label_reply("happy and sad")


def test_fallback_on_garbage_empty_and_permanent_errors() -> None:
    lexicon = LexiconLabelExtractor()
    for backend in (replying("no idea"), replying("[]")):
        result = FallbackLabelExtractor(LLMLabelExtractor(backend), lexicon).extract(EXPLANATION)
        assert result.method == "lexicon" and result.labels[0] == "worried"

    def permanent(*_: object) -> str:
        raise BackendError("bad request", transient=False)

    result = FallbackLabelExtractor(LLMLabelExtractor(FakeBackend(permanent)), lexicon).extract(
        EXPLANATION
    )
    assert result.method == "lexicon"


def test_transient_errors_propagate() -> None:
    def transient(*_: object) -> str:
        raise BackendError("timeout", transient=True)

    extractor = FallbackLabelExtractor(
        LLMLabelExtractor(FakeBackend(transient)), LexiconLabelExtractor()
    )
    with pytest.raises(BackendError):
        extractor.extract(EXPLANATION)


def test_registry() -> None:
    assert isinstance(build_extractor("lexicon"), LexiconLabelExtractor)
    assert isinstance(build_extractor("llm+lexicon", replying("[]")), FallbackLabelExtractor)
    with pytest.raises(ConfigurationError, match="needs an LLM backend"):
        build_extractor("llm")
    with pytest.raises(UnknownNameError, match="choose one of: lexicon, llm, llm\\+lexicon"):
        build_extractor("regex")
    assert set(EXTRACTORS) == set(get_args(ExtractorName))
