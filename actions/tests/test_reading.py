"""Order numbers and proofs as customers type them, and the NLU regex that agrees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.reading import order_number, proof, refuses

ROOT = Path(__file__).resolve().parents[2]

TYPED_NUMBERS = [
    ("TB-240392", "TB-240392"),
    ("tb240392", "TB-240392"),
    ("#TB-240392", "TB-240392"),
    ("＃ｔｂ２４０３９２の状況", "TB-240392"),
    ("ＴＢ－２４０３９２", "TB-240392"),
    ("注文番号TB-240392です", "TB-240392"),
    ("TB 240392 pls", "TB-240392"),
    ("TBー240392", "TB-240392"),  # the IME's long-vowel mark for "-"
    ("TB−240392", "TB-240392"),  # minus sign
    ("where's my order (TB-240392)?", "TB-240392"),
]
NOT_NUMBERS = ["order 240392", "ATB-240392", "TB-24039212345", "TB-12", "tracking 4921-3390-1264"]


@pytest.mark.parametrize(("text", "number"), TYPED_NUMBERS)
def test_an_order_number_is_read_however_it_was_typed(text: str, number: str) -> None:
    assert order_number(text) == number


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_other_codes_are_not_order_numbers(text: str) -> None:
    assert order_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("150-0001", "150-0001"),
        ("〒150-0001", "150-0001"),
        ("１５０ー０００１", "150-0001"),
        ("1500001", "150-0001"),
        ("150 0001", "150-0001"),
        ("郵便番号は150-0001です", "150-0001"),
        ("my email is misaki.sato@example.com thanks", "misaki.sato@example.com"),
        ("メールはa.b@example.co.jpです", "a.b@example.co.jp"),
        ("ｍｉｓａｋｉ＠ｅｘａｍｐｌｅ．ｃｏｍ", "misaki@example.com"),
        ("TB-240392 150-0001", "150-0001"),
    ],
)
def test_a_proof_is_an_email_address_or_a_postcode(text: str, expected: str) -> None:
    assert proof(text) == expected


@pytest.mark.parametrize(
    "text",
    ["TB-1500001", "090-1234-5678", "4921-3390-1264", "12345", "where is my order", "@home"],
)
def test_phone_tracking_and_order_numbers_are_no_proof(text: str) -> None:
    assert proof(text) is None


def _nlu_regex() -> re.Pattern[str]:
    data = yaml.safe_load((ROOT / "nlu_data" / "orders.yml").read_text(encoding="utf-8"))
    [block] = [b for b in data["nlu"] if b.get("regex") == "order_number"]
    [pattern] = [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
    # As RegexEntityExtractor compiles it (case_sensitive: false).
    return re.compile(pattern, re.IGNORECASE)


@pytest.mark.parametrize(("text", "number"), TYPED_NUMBERS)
def test_the_nlu_finds_the_same_order_numbers(text: str, number: str) -> None:
    found = _nlu_regex().search(text)
    assert found is not None and order_number(found.group(0)) == number


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_the_nlu_skips_the_same_codes(text: str) -> None:
    assert _nlu_regex().search(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No!",
        "don't cancel it",
        "dont",
        "do not cancel",
        "keep it please",
        "wait",
        "nope",
        "いいえ",
        "キャンセルしないでください",
        "取り消さないで",
        "そのままで",
        "いや、結構です",
        "ちょっと待って",
    ],
)
def test_a_refusal_is_read_in_both_languages(text: str) -> None:
    assert refuses(text)


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "yes cancel it",
        "ok go ahead",
        "はい",
        "はい、キャンセルしてください",
        "お願いします",
        "notably yes",
    ],
)
def test_a_yes_is_no_refusal(text: str) -> None:
    assert not refuses(text)
