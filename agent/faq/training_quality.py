"""Whether a new model may replace the live one, and whether its training data is worth training
on. Pure: no I/O.

- `check_training_data`: what Rasa would train on without complaint but should not (see
  `agent.faq.training` for what `rasa data validate` does and does not catch).
- `faq_accuracy`: the share of held-out FAQ questions a model answers with the right key, with
  the confidence the app needs to give that answer (`agent.nlg.responses.choose_response`
  turns a less sure pick into the "not sure" reply, so that counts as a miss here too).
- `gate`: the new model against the live one, on the same held-out questions.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from agent.faq.content import LANGUAGES, MIN_QUESTIONS, normalise

FAQ_LABEL = "faq/"
# A key becomes part of an intent name, a response name and a file's YAML: Rasa splits
# `faq/<key>` on "/", and the studio's files are keyed by it.
_KEY = re.compile(r"^[a-z0-9_]+$")
_LANGUAGE_NAMES = {"en": "English", "ja": "Japanese"}

# Per key, a drop larger than this refuses the model even when the average holds. The held-out
# set has 14 questions per key, so one question is 7 points: a key may lose two (14 points, the
# noise of retraining on changed data) but not three. The overall margin is the caller's.
DEFAULT_MAX_KEY_DROP = 0.30
_ONE = "the model cannot learn one question as two FAQs."
_EPSILON = 1e-9  # 0.87 - 0.85 > 0.02 in binary floating point


@dataclass(frozen=True)
class Evaluation:
    accuracy: float  # share of held-out FAQ questions answered with the right key
    per_key: dict[str, float]  # "faq/<key>" -> that key's accuracy
    examples: int  # held-out FAQ questions counted


@dataclass(frozen=True)
class Gate:
    passed: bool
    reason: str  # plain words, shown to the brand team


def faq_accuracy(predictions: list[tuple[str, str, float]], *, min_confidence: float) -> Evaluation:
    """Score `(label, predicted key, confidence)` triples; only labels `faq/<key>` count. A right
    key below `min_confidence` is a miss: the customer gets "not sure" instead."""
    counts: dict[str, list[int]] = {}  # label -> [right, total]
    for label, predicted, confidence in predictions:
        if not label.startswith(FAQ_LABEL):
            continue
        tally = counts.setdefault(label, [0, 0])
        tally[0] += predicted == label and confidence >= min_confidence
        tally[1] += 1
    right = sum(r for r, _ in counts.values())
    total = sum(t for _, t in counts.values())
    return Evaluation(
        accuracy=right / total if total else 0.0,
        per_key={label: r / t for label, (r, t) in sorted(counts.items())},
        examples=total,
    )


def gate(
    candidate: Evaluation,
    baseline: Evaluation | None,
    *,
    max_drop: float,
    max_key_drop: float = DEFAULT_MAX_KEY_DROP,
) -> Gate:
    """Refuse the candidate when its held-out FAQ accuracy is more than `max_drop` (absolute,
    e.g. 0.02 = 2 points) below the live model's, or when a key both models know drops by more
    than `max_key_drop`: an average can hide one FAQ that stopped being answered, e.g. when
    new questions of another key take its customers. No live model: nothing to compare with."""
    if candidate.examples == 0:
        return Gate(True, "No held-out questions cover these FAQs, so there was nothing to test.")
    score = _pct(candidate.accuracy)
    if baseline is None or baseline.examples == 0:
        return Gate(True, f"No live model to compare with. The new model answers {score} right.")
    problems = []
    drop = baseline.accuracy - candidate.accuracy
    if drop > max_drop + _EPSILON:
        problems.append(
            f"the new model answers {score} of the test questions right, the live model "
            f"{_pct(baseline.accuracy)}: {_points(drop)} worse, more than the "
            f"{_points(max_drop)} allowed"
        )
    for key in sorted(candidate.per_key.keys() & baseline.per_key.keys()):
        before, after = baseline.per_key[key], candidate.per_key[key]
        if before - after > max_key_drop + _EPSILON:
            problems.append(
                f"{key.removeprefix(FAQ_LABEL)} drops from {_pct(before)} to {_pct(after)} "
                f"({_points(before - after)} worse, more than the {_points(max_key_drop)} "
                "allowed for one FAQ)"
            )
    if problems:
        return Gate(False, "The live model stays: " + "; ".join(problems) + ".")
    return Gate(
        True,
        f"The new model answers {score} of the test questions right "
        f"(live model: {_pct(baseline.accuracy)}).",
    )


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %"


def _points(share: float) -> str:
    points = share * 100
    return f"{points:.1f} point" + ("" if round(points, 1) == 1.0 else "s")


def check_training_data(
    questions: Mapping[str, Mapping[str, list[str]]],
    *,
    answered: Collection[str] | None = None,
) -> list[str]:
    """Problems with FAQ training questions (key -> language -> questions), in plain words;
    empty when there are none. With `answered` (the keys that have an answer), also keys
    without an answer and answers without questions.

    These are what `rasa data validate --fail-on-warnings` lets through: every FAQ example is
    labelled `faq` for it, so a question shared by two keys is not "one example, two intents";
    Rasa trains on a key without its `utter_faq/<key>` response after a warning per example,
    then cannot answer it; and it trains on one or even zero questions of a language."""
    found: list[str] = []
    owners: dict[str, tuple[str, str]] = {}
    for key in sorted(questions):
        by_language = questions[key]
        if not _KEY.match(key):
            found.append(
                f"The key {key!r} may only use lower-case letters, digits and underscores."
            )
        for language in LANGUAGES:
            texts = [t for t in by_language.get(language, []) if t.strip()]
            if len(texts) < MIN_QUESTIONS:
                found.append(
                    f"{key} has {len(texts)} {_LANGUAGE_NAMES[language]} training question"
                    f"{'' if len(texts) == 1 else 's'}: it needs at least {MIN_QUESTIONS}."
                )
        for language, texts in sorted(by_language.items()):
            if any(not t.strip() for t in texts):
                found.append(
                    f"{key} has an empty {_LANGUAGE_NAMES.get(language, language)} question."
                )
        found.extend(_shared(key, by_language, owners))
    if answered is not None:
        found.extend(_unanswered(questions.keys(), answered))
    return found


def _shared(
    key: str, by_language: Mapping[str, list[str]], owners: dict[str, tuple[str, str]]
) -> list[str]:
    """Questions of `key` already seen under another key (`owners`: normalised -> key, text)."""
    found = []
    for texts in by_language.values():
        for text in texts:
            norm = normalise(text)
            if not norm:
                continue
            owner, first = owners.setdefault(norm, (key, text.strip()))
            if owner == key:
                continue
            if first == text.strip():
                found.append(f"“{first}” is a training question of both {owner} and {key}: {_ONE}")
            else:
                found.append(
                    f"“{text.strip()}” ({key}) is the same question as “{first}” ({owner}): {_ONE}"
                )
    return found


def _unanswered(keys: Collection[str], answered: Collection[str]) -> list[str]:
    found = [
        f"{key} has training questions but no answer (utter_faq/{key}): the bot could never "
        "give it."
        for key in sorted(set(keys) - set(answered))
    ]
    found.extend(
        f"{key} has an answer but no training questions: the bot could never give it."
        for key in sorted(set(answered) - set(keys))
    )
    return found
