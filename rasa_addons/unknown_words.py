"""Messages made mostly of words the assistant never saw are `nlu_fallback` (NLU pipeline).

DIET and the ResponseSelector give every message a distribution over the intents they know, and
character n-grams make strings of random letters look enough like something that they can win
with high confidence ("hjkl hjkl" read as a greeting at 0.77, "lorem ipsum" as an FAQ at 1.0).
The honest answer to such a message is "I'm not sure I understood", so this classifier, after the
learned ones, counts how many of a message's words appear in the training examples and turns a
message of several words with almost none known into `nlu_fallback`.

- A word is a token with a letter and no digit (order numbers and postcodes are details, not
  vocabulary) and is compared lower-cased.
- A word one typo away from a known word of 4 or more letters counts as known, found through
  a symmetric-delete index (every word with one letter removed), so "shiping" is not unknown.
- A message of fewer than `min_words` words is left to the learned classifiers: one short word
  ("hi", "ok", "草") says too little to overrule them.
- The rule intents (`inform`, `affirm`, `deny`) are never overridden: the rules read them exactly.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.order_details import RULE_INTENTS, choose_intent

FALLBACK_INTENT = "nlu_fallback"
VOCABULARY_FILE = "vocabulary.json"
# Typos in shorter words turn too many unrelated strings into known words ("hjk" -> "hjkl").
MIN_TYPO_LENGTH = 4


def words_of(message: Message) -> List[str]:
    """The message's words: lower-cased tokens with a letter and no digit."""
    tokens = message.get(TOKENS_NAMES[TEXT])
    texts: Iterable[str] = (
        (token.text for token in tokens) if tokens else (message.get(TEXT) or "").split()
    )
    return [
        text.casefold()
        for text in texts
        if any(ch.isalpha() for ch in text) and not any(ch.isdigit() for ch in text)
    ]


def _deletes(word: str) -> Set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Vocabulary:
    """The known words, and the words one deletion away from the longer ones."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words: Set[str] = set(words)
        self._deleted: Set[str] = set()
        for word in self.words:
            if len(word) >= MIN_TYPO_LENGTH:
                self._deleted |= _deletes(word)

    def knows(self, word: str) -> bool:
        if word in self.words:
            return True
        if len(word) < MIN_TYPO_LENGTH:
            return False
        # A letter left out (the word is a known word minus one), a letter too many (the word
        # minus one is known), a wrong letter or two swapped neighbours (both minus one agree).
        return word in self._deleted or any(
            shorter in self.words or shorter in self._deleted for shorter in _deletes(word)
        )

    def known_share(self, words: List[str]) -> float:
        return sum(self.knows(word) for word in words) / len(words) if words else 1.0


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Messages with fewer words are left to the learned classifiers.
            "min_words": 2,
            # Below this share of known words a message is not understood. Real messages in
            # the development sets know at least a third of their words; gibberish knows none.
            "min_known_share": 0.25,
            # What FallbackClassifier gives nlu_fallback: its threshold.
            "confidence": 0.6,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Optional[Vocabulary] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or Vocabulary(())

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UnknownWordsClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "UnknownWordsClassifier":
        with model_storage.read_from(resource) as directory:
            words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, Vocabulary(words))

    def train(self, training_data: TrainingData) -> Resource:
        words: Set[str] = set()
        for example in training_data.intent_examples:
            if example.get(INTENT) not in RULE_INTENTS:
                words.update(words_of(example))
        self.vocabulary = Vocabulary(words)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(words), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def understood(self, message: Message) -> bool:
        words = words_of(message)
        if len(words) < int(self._config["min_words"]):
            return True
        return self.vocabulary.known_share(words) >= float(self._config["min_known_share"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if intent in RULE_INTENTS or intent == FALLBACK_INTENT or self.understood(message):
                continue
            choose_intent(message, FALLBACK_INTENT, float(self._config["confidence"]))
        return messages
