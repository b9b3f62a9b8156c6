"""The signal model's training data and how its heads learn from partly labelled rows."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from agent.signals.data import (
    DEV_ESCALATION,
    DEV_INTENTS,
    dev_texts,
    general_sentiment,
    held_out_texts,
    labelled_dms,
    nlu_examples,
    rated_label,
    read_jsonl,
    training_examples,
)
from agent.signals.model import SignalModel
from scripts.dms_to_nlu import train_dms
from scripts.evaluate_nlu import load_examples


class HashEncoder:
    """A stand-in for the transformer: a fixed pseudo-embedding per text."""

    name = "hash"
    dimension = 8

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            [np.random.default_rng(sum(map(ord, t))).normal(size=8) for t in texts],
            dtype=np.float32,
        ).reshape(len(texts), 8)


@pytest.mark.parametrize(
    ("mean", "label"),
    [(0.51, "positive"), (0.5, "neutral"), (0.0, "neutral"), (-0.5, "neutral"), (-0.6, "negative")],
)
def test_rated_snippets_use_the_public_benchmarks_cut_offs(mean: float, label: str) -> None:
    assert rated_label(mean) == label


def test_general_snippets_train_sentiment_only_and_share_the_weight_given(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_text(
        "# header\nmovie\t2.5\tA joy from start to finish.\n"
        "nyt\t-1.2\tThe plan\tfailed badly.\nmovie\t0.1\tIt is a film.\n",
        encoding="utf-8",
    )
    rows = general_sentiment(3.0, path)
    assert [(e.text, e.sentiment, e.urgency) for e in rows] == [
        ("A joy from start to finish.", "positive", None),
        ("The plan\tfailed badly.", "negative", None),
        ("It is a film.", "neutral", None),
    ]
    assert sum(e.weight for e in rows) == pytest.approx(3.0)


def test_repo_training_data_weighs_snippets_half_as_much_as_dms_and_holds_no_held_out_text() -> (
    None
):
    examples = training_examples()
    general = [e for e in examples if e.urgency is None]
    own = [e for e in examples if e.urgency is not None]
    assert len(general) == 6000
    assert sum(e.weight for e in general) == pytest.approx(0.5 * sum(e.weight for e in own))
    held_out = held_out_texts()
    assert len(held_out) > 400
    # A count only: the sealed texts are never shown, even by a failing test.
    leaked = len(held_out & {e.text for e in examples})
    assert leaked == 0, f"{leaked} held-out texts are in the training data"


def test_a_head_learns_only_from_rows_labelled_for_it() -> None:
    texts = [f"message number {i} {'good' if i % 2 else 'bad'}" for i in range(40)]
    sentiment: list[str | None] = ["positive" if i % 2 else "negative" for i in range(40)]
    urgency: list[str | None] = [
        None if i < 20 else ("high" if i % 4 == 0 else "low") for i in range(40)
    ]
    model = SignalModel.fit(
        HashEncoder(), texts, {"sentiment": sentiment, "urgency": urgency}, [1.0] * 40
    )
    assert set(model.heads["urgency"].classes_) == {"high", "low"}
    assert model.heads["urgency"].n_features_in_ == model.heads["sentiment"].n_features_in_
    [probs] = model.predict(["message number 3 good"])
    assert set(probs) == {"sentiment", "urgency"}
    assert sum(probs["urgency"].values()) == pytest.approx(1.0)


def test_rasa_is_never_taught_a_text_of_the_test_half_or_the_sealed_set() -> None:
    # The intent figures of both sets are Rasa's readings. Case is ignored: Rasa's features are.
    taught = {text.casefold() for _, text in nlu_examples()}
    assert len(taught) > 1000
    # A count only: the sealed texts are never shown, even by a failing test.
    leaked = len(taught & {text.casefold() for text in held_out_texts()})
    assert leaked == 0, f"{leaked} texts of the test half or the sealed set are Rasa examples"


def test_no_development_message_is_trained_on() -> None:
    dev = dev_texts()
    assert len(dev) > 350
    trained = {e.text for e in training_examples()}
    assert not dev & trained
    # The escalation and intent development sets are read through Rasa too, so Rasa must not
    # know them either.
    taught = {text.casefold() for _, text in nlu_examples()}
    read_by_rasa = read_jsonl(DEV_ESCALATION) + read_jsonl(DEV_INTENTS)
    assert not taught & {row["text"].casefold() for row in read_by_rasa}


def test_rasa_learns_the_train_half_under_its_labelled_intents() -> None:
    """The train half is Rasa's too (scripts/dms_to_nlu.py); a DM left out, or taught under
    another intent, would be a silent gap between the labels and what Rasa learns."""
    taught = set(nlu_examples())
    nlu_held_out = {example.text.casefold() for example in load_examples()}
    assert not {text.casefold() for _, text in taught} & nlu_held_out
    rows = train_dms()
    assert len(rows) > 200
    missing = [text for intent, text in rows if (intent, text) not in taught]
    assert not missing


def test_a_dm_that_is_also_an_nlu_example_is_trained_on_once_with_its_own_labels() -> None:
    examples = training_examples()
    never = held_out_texts() | dev_texts()
    for row in labelled_dms("train")[:60]:
        if row["text"] in never:
            continue
        same = [e for e in examples if e.text == row["text"]]
        assert [(e.sentiment, e.urgency, e.weight) for e in same] == [
            (row["sentiment"], row["urgency"], 1.0)
        ], row["text"]
