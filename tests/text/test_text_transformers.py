"""Plumbing of the transformers backend on a tiny UNTRAINED model built in tmp_path.

No emotion model ships in a PyPI package, so these tests check loading, label mapping and
the reading's shape only; the scores of an untrained model mean nothing and are not asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from emer_text.analyzer import TextAnalyzer
from emer_text.backends.base import BackendUnavailable, TextInput
from emer_text.backends.transformers_backend import TransformersBackend, label_to_word
from emer_text.settings import TextSettings

pytestmark = pytest.mark.unit

LABELS = ("joy", "anger", "sadness", "gratitude", "neutral", "LABEL_X")


@pytest.fixture(scope="module")
def untrained_tiny_classifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer BERT with random weights and a word-level tokenizer, saved locally."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("untrained_tiny_bert_emotions")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "i", "am", "so", "happy", "not", "sad", "."]
    vocab = {word: index for index, word in enumerate(words)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]",
        cls_token="[CLS]", sep_token="[SEP]", model_max_length=32,
    )  # fmt: skip
    tokenizer.save_pretrained(path)
    config = BertConfig(
        vocab_size=len(words), hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
        intermediate_size=16, max_position_embeddings=32,
        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)},
    )  # fmt: skip
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path)
    return path


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def test_label_mapping() -> None:
    from emer_common.vocabulary import EmotionVocabulary

    vocabulary = EmotionVocabulary.default()
    assert label_to_word("joy", vocabulary) == "happy"
    assert label_to_word("gratitude", vocabulary) == "grateful"
    assert label_to_word("remorse", vocabulary) == "guilty"
    assert label_to_word("Sadness", vocabulary) == "sad"
    assert label_to_word("LABEL_X", vocabulary) is None


def test_untrained_model_reads_through_the_pipeline(untrained_tiny_classifier: Path) -> None:
    backend = TransformersBackend(untrained_tiny_classifier, languages=("en", "zh"))
    reading = backend.read(TextInput("i am so happy .", "en", ("i am so happy .",)))
    assert set(reading.hints) == {"happy", "angry", "sad", "grateful", "neutral"}
    scores = [e.value for e in reading.evidence]
    assert len(scores) == len(LABELS)
    assert sum(scores) == pytest.approx(1.0, abs=1e-3)  # single-label model: softmax
    assert backend.languages == frozenset({"en", "zh"})


def test_analyzer_uses_the_configured_backend(untrained_tiny_classifier: Path) -> None:
    settings = TextSettings(
        backends=("transformers",), transformers_model_path=untrained_tiny_classifier
    )
    analyzer = TextAnalyzer.from_settings(settings)
    assert analyzer.models[0].backend == "transformers"
    findings = analyzer.analyze("i am so happy .", "subtitle", language="en")
    assert findings.emotion_hints
    assert any(e.name == "transformers_joy" for e in findings.evidence)


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match=r"config\.json missing"):
        TransformersBackend(tmp_path / "nothing")
    with pytest.raises(BackendUnavailable, match="EMER_TEXT_TRANSFORMERS_MODEL_PATH"):
        TextAnalyzer.from_settings(TextSettings(backends=("transformers",)))
