"""Signals and escalation on labelled DMs the model never trained on, per class.

    .venv-app/bin/python -m scripts.evaluate_signals [--set test|sealed|dev|intents] [--json F]

`test` is the test half of agent/signals/data/labelled_dms.jsonl. `sealed` is
agent/signals/data/sealed_dms.jsonl, written separately and only ever scored in aggregate: this
script never prints its messages, so no rule is tuned on it. `dev` is the escalation policy's
development set (agent/signals/data/dev_escalation.jsonl): for it the script also lists every
message escalated wrongly, with what each signal said, since that set is for tuning. `intents` is
Rasa's development set (agent/signals/data/dev_intents.jsonl), labelled with intents only: for it
the script prints the intent figures and lists every FAQ question answered wrongly and every
other message answered with an FAQ.

Starts Rasa with models/current.tar.gz and judges every test DM as the analyze API does (first
message of a new conversation). Prints per-class precision, recall and F1 and the confusion
matrix for intent, urgency, sentiment and escalation, and the targets next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from agent.dialogue.rasa_client import RasaClient
from agent.escalation.policy import decide
from agent.settings import DEFAULT_FAQ_MIN_CONFIDENCE
from agent.signals.analyzer import Analyzer, Judged
from agent.signals.data import DEV_ESCALATION, DEV_INTENTS, SEALED_DMS, labelled_dms, read_jsonl
from agent.signals.loader import cached_model
from agent.signals.person_requests import load_person_requests
from agent.signals.rules import load_rules
from scripts.evaluate_nlu import ClassScore
from scripts.stack import Stack

FALLBACK = "nlu_fallback"


def per_class(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, ClassScore]:
    scores = {label: ClassScore() for label in sorted(set(gold) | set(predicted))}
    for g, p in zip(gold, predicted, strict=True):
        if g == p:
            scores[g].tp += 1
        else:
            scores[g].fn += 1
            scores[p].fp += 1
    return scores


def macro_f1(scores: dict[str, ClassScore]) -> float:
    present = [s.f1 for s in scores.values() if s.support]
    return sum(present) / len(present) if present else 0.0


def table(name: str, gold: Sequence[str], predicted: Sequence[str]) -> str:
    scores = per_class(gold, predicted)
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    lines = [
        f"### {name}: accuracy {accuracy:.3f}, macro F1 {macro_f1(scores):.3f}",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {label} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |"
        for label, s in scores.items()
    ]
    labels = list(scores)
    if len(labels) <= 6:
        counts = Counter(zip(gold, predicted, strict=True))
        lines += ["", "| gold \\ predicted | " + " | ".join(labels) + " |"]
        lines += ["|---" * (len(labels) + 1) + "|"]
        lines += [
            f"| {g} | " + " | ".join(str(counts[g, p]) for p in labels) + " |" for g in labels
        ]
    else:
        confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
        lines += ["", "most frequent confusions (gold -> predicted):"]
        lines += [f"- {n} x {g} -> {p}" for (g, p), n in confusions.most_common(12)]
    return "\n".join(lines)


def predicted_intent(judged: Judged) -> str:
    intent = judged.signals.intent
    if intent is None or (judged.fallback and intent.name.startswith("faq/")):
        return FALLBACK  # the customer gets the honest "not sure" reply, not this FAQ
    return intent.name


async def judge_all(rasa_url: str, token: str, texts: list[str]) -> list[Judged]:
    async with httpx.AsyncClient(timeout=30) as http:
        analyzer = Analyzer(
            model=cached_model(),
            rules=load_rules(),
            intents=RasaClient(http, base_url=rasa_url, token=token),
            faq_min_confidence=DEFAULT_FAQ_MIN_CONFIDENCE,
            person_requests=load_person_requests(),
        )
        return [await analyzer.judge(text) for text in texts]


def report(
    rows: list[dict[str, Any]], judged: list[Judged], *, show_texts: bool = True
) -> tuple[str, dict[str, float]]:
    decisions = [decide(j.signals, fallback=j.fallback) for j in judged]
    gold_intent = [r["intent"] for r in rows]
    pred_intent = [predicted_intent(j) for j in judged]
    gold_urgency = [r["urgency"] for r in rows]
    pred_urgency = [j.signals.urgency.level.value for j in judged]
    gold_sentiment = [r["sentiment"] for r in rows]
    pred_sentiment = [j.signals.sentiment.label.value for j in judged]
    gold_escalate = [str(r["escalate"]).lower() for r in rows]
    pred_escalate = [str(d.escalate).lower() for d in decisions]

    faq = [(g, p) for g, p in zip(gold_intent, pred_intent, strict=True) if g.startswith("faq/")]
    oos = [p for g, p in zip(gold_intent, pred_intent, strict=True) if g == "out_of_scope"]
    critical = [p for g, p in zip(gold_urgency, pred_urgency, strict=True) if g == "critical"]
    figures = {
        "critical_recall": sum(p == "critical" for p in critical) / len(critical),
        "urgency_macro_f1": macro_f1(per_class(gold_urgency, pred_urgency)),
        "sentiment_macro_f1": macro_f1(per_class(gold_sentiment, pred_sentiment)),
        "escalation_accuracy": sum(
            g == p for g, p in zip(gold_escalate, pred_escalate, strict=True)
        )
        / len(rows),
        "faq_intent_accuracy": sum(g == p for g, p in faq) / len(faq),
        "out_of_scope_answered_as_faq": sum(p.startswith("faq/") for p in oos) / len(oos),
    }
    targets = {
        "critical_recall": ">= 1.00",
        "urgency_macro_f1": ">= 0.85",
        "sentiment_macro_f1": ">= 0.85",
        "escalation_accuracy": ">= 0.95",
        "faq_intent_accuracy": ">= 0.95",
        "out_of_scope_answered_as_faq": "<= 0.05",
    }
    by_language = Counter(r["lang"] for r in rows)
    head = [
        f"test DMs: {len(rows)} ({by_language['ja']} Japanese, {by_language['en']} English)",
        "",
        "| figure | value | target |",
        "|---|---|---|",
    ]
    head += [f"| {k} | {v:.3f} | {targets[k]} |" for k, v in figures.items()]
    missed = [
        r["text"]
        for r, p in zip(rows, pred_urgency, strict=True)
        if r["urgency"] == "critical" and p != "critical"
    ]
    parts = [
        "\n".join(head),
        table("urgency", gold_urgency, pred_urgency),
        table("sentiment", gold_sentiment, pred_sentiment),
        table("escalation", gold_escalate, pred_escalate),
        table("intent", gold_intent, pred_intent),
    ]
    if missed and show_texts:
        parts.append("critical messages missed:\n" + "\n".join(f"- {t}" for t in missed))
    return "\n\n".join(parts), figures


def escalation_mistakes(rows: list[dict[str, Any]], judged: list[Judged]) -> str:
    """Each wrongly escalated (or wrongly kept) message with the signals behind the decision."""
    lines = ["escalation mistakes (gold: urgency/sentiment/intent -> predicted):"]
    for row, j in zip(rows, judged, strict=True):
        decision = decide(j.signals, fallback=j.fallback)
        if decision.escalate == bool(row["escalate"]):
            continue
        s = j.signals
        lines.append(
            f"- [{'missed' if row['escalate'] else 'extra'}] {row['text']}\n"
            f"  {row['urgency']}/{row['sentiment']}/{row['intent']} -> "
            f"{s.urgency.level.value}/{s.sentiment.label.value}/{predicted_intent(j)}"
            f" {list(decision.reason_keys)}"
        )
    return "\n".join(lines)


def intent_report(rows: list[dict[str, Any]], judged: list[Judged]) -> tuple[str, dict[str, float]]:
    gold = [r["intent"] for r in rows]
    predicted = [predicted_intent(j) for j in judged]
    faq = [(g, p) for g, p in zip(gold, predicted, strict=True) if g.startswith("faq/")]
    other = [p for g, p in zip(gold, predicted, strict=True) if not g.startswith("faq/")]
    right = sum(g == p for g, p in faq)
    as_faq = sum(p.startswith("faq/") for p in other)
    head = (
        f"DMs: {len(rows)}; FAQ questions answered with the right FAQ: {right}/{len(faq)}; "
        f"other messages answered with an FAQ: {as_faq}/{len(other)}"
    )
    figures = {
        "faq_intent_accuracy": right / len(faq),
        "other_answered_as_faq": as_faq / len(other),
        "intent_accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(rows),
    }
    text = "\n\n".join([head, table("intent", gold, predicted), intent_mistakes(rows, judged)])
    return text, figures


def intent_mistakes(rows: list[dict[str, Any]], judged: list[Judged]) -> str:
    """FAQ questions not answered with their FAQ, and other messages answered with one."""
    lines = ["intent mistakes (gold -> predicted, Rasa's confidence):"]
    for row, j in zip(rows, judged, strict=True):
        gold, predicted = row["intent"], predicted_intent(j)
        if gold == predicted or not (gold.startswith("faq/") or predicted.startswith("faq/")):
            continue
        intent = j.signals.intent
        confidence = f"{intent.name} {intent.confidence:.2f}" if intent else "none"
        lines.append(f"- {gold} -> {predicted} ({confidence}): {row['text']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--set", choices=("test", "sealed", "dev", "intents"), default="test")
    args = parser.parse_args()
    sealed = args.set == "sealed"
    rows = {
        "test": lambda: labelled_dms("test"),
        "sealed": lambda: read_jsonl(SEALED_DMS),
        "dev": lambda: read_jsonl(DEV_ESCALATION),
        "intents": lambda: read_jsonl(DEV_INTENTS),
    }[args.set]()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack.ephemeral(Path(tmp))
        try:
            stack.start_rasa()
            judged = asyncio.run(
                judge_all(stack.rasa_url, stack.secrets.rasa_token, [r["text"] for r in rows])
            )
        finally:
            stack.stop_all()
    if args.set == "intents":
        text, figures = intent_report(rows, judged)
    else:
        text, figures = report(rows, judged, show_texts=not sealed)
    print(text)
    if args.set == "dev":
        print("\n" + escalation_mistakes(rows, judged))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
