"""Messages made mostly of unknown words become `nlu_fallback` (`rasa_addons.unknown_words`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.unknown_words import UnknownWordsClassifier, Vocabulary, words_of

LEARNED = {"name": "greet", "confidence": 0.77}
RANKING = [LEARNED, {"name": "faq", "confidence": 0.2}, {"name": "nlu_fallback", "confidence": 0}]


def _message(text: str, intent: Any = None, tokens: list[str] | None = None) -> Message:
    data: dict[str, Any] = {TEXT: text}
    if intent is not None:
        data[INTENT] = intent
    if tokens is not None:
        data[TOKENS_NAMES[TEXT]] = [Token(token, 0) for token in tokens]
    return Message(data=data)


def _trained(tmp_path: Path, texts: list[tuple[str, str]], **config: Any) -> UnknownWordsClassifier:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    resource = Resource("unknown_words")
    classifier = UnknownWordsClassifier.create(
        {**UnknownWordsClassifier.get_default_config(), **config}, storage, resource, context
    )
    classifier.train(TrainingData([_message(text, intent) for intent, text in texts]))
    return UnknownWordsClassifier.load(
        {**UnknownWordsClassifier.get_default_config(), **config}, storage, resource, context
    )


TRAINING = [
    ("faq", "How long does shipping take?"),
    ("faq", "Do you ship to Canada"),
    ("greet", "hello there"),
    ("faq", "配送 に 何 日 かかり ます か"),
    ("inform", "zebra quagga okapi"),
]


def test_words_are_lowercased_tokens_with_a_letter_and_no_digit() -> None:
    message = _message("x", tokens=["Where", "is", "TB-240392", "?", "注文", "👍", "123"])
    assert words_of(message) == ["where", "is", "注文"]
    assert words_of(_message("Hello THERE 42")) == ["hello", "there"]


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("shipping", True),
        ("shiping", True),  # a letter left out
        ("shippping", True),  # a letter too many
        ("shopping", True),  # a wrong letter
        ("shpiping", True),  # two neighbours swapped
        ("shopipng", False),  # two typos
        ("hjkl", False),
        ("shp", False),  # short words are matched exactly
        ("the", True),
    ],
)
def test_a_word_one_typo_from_a_known_long_word_is_known(word: str, known: bool) -> None:
    assert Vocabulary(["shipping", "the", "ship"]).knows(word) is known


def test_the_vocabulary_is_saved_with_the_model_without_the_rule_intents(tmp_path: Path) -> None:
    classifier = _trained(tmp_path, TRAINING)
    assert classifier.vocabulary.words >= {"shipping", "canada", "hello", "配送", "かかり"}
    assert not classifier.vocabulary.words & {"zebra", "quagga", "okapi"}


def test_a_message_of_unknown_words_becomes_nlu_fallback(tmp_path: Path) -> None:
    classifier = _trained(tmp_path, TRAINING)
    message = _message("hjkl hjkl", dict(LEARNED), None)
    message.set(INTENT_RANKING_KEY, list(RANKING))
    classifier.process([message])
    assert message.get(INTENT) == {"name": "nlu_fallback", "confidence": 0.6}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["nlu_fallback", "greet", "faq"]


@pytest.mark.parametrize(
    "text",
    [
        "how long does shiping take to reykjavik",  # a typo and unseen words, most known
        "hello 👋 qwxz",  # half known
        "asdfgh",  # one word says too little
        "配送 に 何 日",
    ],
)
def test_a_message_with_enough_known_words_keeps_its_intent(tmp_path: Path, text: str) -> None:
    classifier = _trained(tmp_path, TRAINING)
    message = _message(text, dict(LEARNED))
    classifier.process([message])
    assert message.get(INTENT) == LEARNED


def test_rule_intents_and_an_earlier_fallback_are_left_alone(tmp_path: Path) -> None:
    classifier = _trained(tmp_path, TRAINING)
    ruled = _message("zebra quagga okapi", {"name": "inform", "confidence": 1.0})
    fallback = _message("qqq www eee", {"name": "nlu_fallback", "confidence": 0.6})
    fallback.set(INTENT_RANKING_KEY, [{"name": "faq", "confidence": 0.3}])
    classifier.process([ruled, fallback])
    assert ruled.get(INTENT) == {"name": "inform", "confidence": 1.0}
    assert fallback.get(INTENT_RANKING_KEY) == [{"name": "faq", "confidence": 0.3}]


def test_the_thresholds_are_settings(tmp_path: Path) -> None:
    strict = _trained(tmp_path, TRAINING, min_known_share=0.9, min_words=1)
    message = _message("hello qwxz", dict(LEARNED))
    strict.process([message])
    assert message.get(INTENT) == {"name": "nlu_fallback", "confidence": 0.6}
