"""Order details and yes-or-no answers, recognised by rule rather than learned (NLU pipeline).

A message that only gives an order number, a postcode or an e-mail address is `inform`; a plain
yes or no is `affirm` or `deny` (`actions.reading`, which the action server reads them with
too). These are closed sets of short messages that rules read exactly. Learning them instead
cost the other intents 2 to 3 points of held-out accuracy in trials, since every change to the
training data redraws the learned model. So:
- `OrderDetailsFilter`, before the featurizers, keeps the examples of these intents out of the
  learned components' training data (their vocabulary, DIET and the ResponseSelector train on
  exactly what they did before);
- `OrderDetailsClassifier`, after them, gives a message these rules recognise its intent with
  confidence 1 (its examples in nlu_data/orders.yml are what the tests check the rules with).
"""

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.reading import only_details, yes_or_no

INFORM = "inform"
AFFIRM = "affirm"
DENY = "deny"
RULE_INTENTS = frozenset({INFORM, AFFIRM, DENY})


def rule_intent(text: str) -> Optional[str]:
    """The intent the rules give `text`, or None to leave it to the learned classifier."""
    answer = yes_or_no(text)
    if answer is not None:
        return AFFIRM if answer else DENY
    return INFORM if only_details(text) else None


# A featurizer only in name: the recipe passes training data on through tokenizers and
# featurizers alone, so this is the place where examples can be kept from the later ones.
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class OrderDetailsFilter(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "OrderDetailsFilter":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data.filter_training_examples(
            lambda example: example.get(INTENT) not in RULE_INTENTS
        )

    def process(self, messages: List[Message]) -> List[Message]:
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class OrderDetailsClassifier(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "OrderDetailsClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = rule_intent(message.get(TEXT) or "")
            if intent is not None:
                choose_intent(message, intent, 1.0)
        return messages


def choose_intent(message: Message, intent: str, confidence: float) -> None:
    """Gives `message` the intent `intent`, the learned ranking kept after it."""
    chosen = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence}
    learned = message.get(INTENT_RANKING_KEY) or []
    ranking = [chosen, *(r for r in learned if r.get(INTENT_NAME_KEY) != intent)]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
