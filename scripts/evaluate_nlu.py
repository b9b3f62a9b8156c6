"""Quality of understanding on the held-out set (tests/nlu_heldout/heldout.yml), per class.

    .venv-app/bin/python -m scripts.evaluate_nlu [--json results.json]

Starts Rasa with models/current.tar.gz, asks it to parse every held-out example, and prints
per-class precision, recall and F1 (FAQ keys counted as `faq/<key>`), split by language.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from agent.nlg.responses import FALLBACK_RESPONSE, choose_response
from agent.settings import DEFAULT_FAQ_MIN_CONFIDENCE
from scripts.stack import ROOT, Stack

HELDOUT = ROOT / "tests" / "nlu_heldout" / "heldout.yml"
FALLBACK = "nlu_fallback"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True)
class Example:
    text: str
    label: str

    @property
    def language(self) -> str:
        return "ja" if JAPANESE.search(self.text) else "en"


@dataclass
class ClassScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    by_language: dict[str, list[int]] = field(default_factory=dict)  # language -> [correct, total]
    classes: dict[str, ClassScore] = field(default_factory=dict)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # text, gold, predicted

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def fallbacks(self) -> int:
        """Messages answered "not sure, shall I get a person?" instead of their class."""
        return sum(n for (_gold, predicted), n in self.confusions.items() if predicted == FALLBACK)

    @property
    def wrong_answer_rate(self) -> float:
        """Share of messages that got a confident answer to a different question: the errors
        a customer is misled by (an honest fallback is not one of them)."""
        wrong = self.total - self.correct - self.fallbacks
        return wrong / self.total if self.total else 0.0

    def language_accuracy(self, language: str) -> float:
        correct, total = self.by_language.get(language, [0, 0])
        return correct / total if total else 0.0

    def macro_f1(self) -> float:
        scores = [c.f1 for c in self.classes.values() if c.support]
        return sum(scores) / len(scores) if scores else 0.0


def load_examples(path: Path = HELDOUT) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            text = line.strip()
            if text.startswith("- "):
                examples.append(Example(text=text[2:].strip(), label=block["intent"]))
    return examples


def training_texts(nlu_dir: Path = ROOT / "nlu_data") -> set[str]:
    texts = set()
    for path in nlu_dir.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    texts.add(line.strip()[2:].strip().casefold())
    return texts


def predicted_label(parse: dict, faq_min_confidence: float = DEFAULT_FAQ_MIN_CONFIDENCE) -> str:
    """What the customer gets: Rasa's intent, the selected FAQ key for the retrieval intent,
    and `nlu_fallback` where the app replaces an unsure FAQ answer (as the NLG endpoint does)."""
    intent = parse.get("intent", {}).get("name") or FALLBACK
    if intent == "faq":
        selected = parse.get("response_selector", {}).get("faq", {}).get("response", {})
        key = selected.get("intent_response_key")
        if not key:
            return "faq"
        name = choose_response(
            f"utter_{key}", {"latest_message": parse}, faq_min_confidence=faq_min_confidence
        )
        return FALLBACK if name == FALLBACK_RESPONSE else str(key)
    return str(intent)


def evaluate(examples: Iterable[Example], predict: Callable[[str], str]) -> Report:
    report = Report()
    for example in examples:
        predicted = predict(example.text)
        ok = predicted == example.label
        report.total += 1
        report.correct += ok
        counts = report.by_language.setdefault(example.language, [0, 0])
        counts[0] += ok
        counts[1] += 1
        gold_score = report.classes.setdefault(example.label, ClassScore())
        if ok:
            gold_score.tp += 1
        else:
            gold_score.fn += 1
            report.classes.setdefault(predicted, ClassScore()).fp += 1
            report.confusions[(example.label, predicted)] += 1
            report.errors.append((example.text, example.label, predicted))
    return report


def format_report(report: Report) -> str:
    lines = [
        f"held-out examples: {report.total}   accuracy: {report.accuracy:.3f}   "
        f"ja: {report.language_accuracy('ja'):.3f}   en: {report.language_accuracy('en'):.3f}   "
        f"macro F1: {report.macro_f1():.3f}",
        f"honest fallbacks: {report.fallbacks}   wrong answers: {report.wrong_answer_rate:.3f}",
        "",
        f"| {'class':<30} | precision | recall |   F1  | support |",
        f"|{'-' * 32}|-----------|--------|-------|---------|",
    ]
    for label in sorted(report.classes):
        c = report.classes[label]
        lines.append(
            f"| {label:<30} |   {c.precision:.3f}   | {c.recall:.3f}  | {c.f1:.3f} "
            f"| {c.support:>7} |"
        )
    if report.confusions:
        lines += ["", "most frequent confusions (gold -> predicted):"]
        lines += [f"  {n} x {g} -> {p}" for (g, p), n in report.confusions.most_common(10)]
    return "\n".join(lines)


def evaluate_with_rasa(examples: Iterable[Example], rasa_url: str, token: str) -> Report:
    with httpx.Client(timeout=30) as client:

        def predict(text: str) -> str:
            response = client.post(
                f"{rasa_url}/model/parse", params={"token": token}, json={"text": text}
            )
            response.raise_for_status()
            return predicted_label(response.json())

        return evaluate(examples, predict)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    examples = load_examples()
    overlap = {e.text.casefold() for e in examples} & training_texts()
    if overlap:
        sys.exit(f"held-out examples found in the training data: {sorted(overlap)[:5]}")
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack.ephemeral(Path(tmp))
        try:
            stack.start_redis()
            stack.start_rasa()
            report = evaluate_with_rasa(examples, stack.rasa_url, stack.secrets.rasa_token)
        finally:
            stack.stop_all()
    print(format_report(report))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "accuracy": report.accuracy,
                    "accuracy_ja": report.language_accuracy("ja"),
                    "accuracy_en": report.language_accuracy("en"),
                    "macro_f1": report.macro_f1(),
                    "fallbacks": report.fallbacks,
                    "wrong_answer_rate": report.wrong_answer_rate,
                    "classes": {
                        k: {
                            "precision": v.precision,
                            "recall": v.recall,
                            "f1": v.f1,
                            "support": v.tp + v.fn,
                        }
                        for k, v in report.classes.items()
                    },
                    "errors": report.errors,
                },
                ensure_ascii=False,
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
