"""The per-class figures the held-out evaluation reports."""

import pytest

from scripts.evaluate_nlu import Example, evaluate, predicted_label


def test_precision_recall_and_language_split() -> None:
    examples = [
        Example("送料は？", "faq/shipping_cost"),
        Example("shipping cost?", "faq/shipping_cost"),
        Example("hello", "greet"),
        Example("hi", "greet"),
    ]
    answers = {
        "送料は？": "faq/shipping_cost",
        "shipping cost?": "greet",
        "hello": "greet",
        "hi": "greet",
    }
    report = evaluate(examples, answers.__getitem__)
    assert report.accuracy == 0.75
    assert report.language_accuracy("ja") == 1.0
    assert report.language_accuracy("en") == pytest.approx(2 / 3)
    cost, greet = report.classes["faq/shipping_cost"], report.classes["greet"]
    assert (cost.precision, cost.recall) == (1.0, 0.5)
    assert (greet.precision, greet.recall) == (pytest.approx(2 / 3), 1.0)
    assert report.confusions[("faq/shipping_cost", "greet")] == 1
    assert report.wrong_answer_rate == 0.25


def test_an_honest_fallback_is_not_a_wrong_answer() -> None:
    examples = [Example("refund?", "faq/returns_refunds"), Example("hi", "greet")]
    report = evaluate(examples, {"refund?": "nlu_fallback", "hi": "greet"}.__getitem__)
    assert (report.accuracy, report.fallbacks, report.wrong_answer_rate) == (0.5, 1, 0.0)


def test_faq_predictions_are_labelled_with_the_selected_key() -> None:
    parse = {
        "intent": {"name": "faq"},
        "response_selector": {
            "faq": {"response": {"intent_response_key": "faq/gift_wrapping", "confidence": 0.9}}
        },
    }
    assert predicted_label(parse) == "faq/gift_wrapping"
    parse["response_selector"]["faq"]["response"]["confidence"] = 0.2
    assert predicted_label(parse) == "nlu_fallback"
    assert predicted_label({"intent": {"name": "greet"}}) == "greet"
    assert predicted_label({"intent": {}}) == "nlu_fallback"
