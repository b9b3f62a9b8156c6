"""The FAQ store's pure parts: the round trip with Rasa's files, merging an edit into the
question order, the checks a version must pass, diffs and fingerprints."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import ConfigError
from agent.faq.content import (
    FaqContent,
    Question,
    diff,
    merge_questions,
    normalise,
    problems,
    question_language,
    questions_fingerprint,
)
from agent.faq.files import (
    FaqRecord,
    export_files,
    parse_files,
    read_files,
    splice_domain,
)
from agent.settings import REPO_ROOT

NLU = REPO_ROOT / "nlu_data"
DOMAIN = REPO_ROOT / "domain.yml"


def _repo() -> tuple[dict[str, str], str]:
    return {p.name: p.read_text() for p in sorted(NLU.glob("*.yml"))}, DOMAIN.read_text()


def test_exporting_what_was_imported_reproduces_the_files_byte_for_byte() -> None:
    nlu, domain = _repo()
    records = read_files(NLU, DOMAIN)
    assert len(records) == 14
    files = export_files(records, nlu, domain)
    assert set(files) == {"domain.yml"} | {f"nlu_data/{n}" for n in nlu if n.startswith("faq_")}
    for path, text in files.items():
        assert text == (REPO_ROOT / path).read_text(), path


def test_every_question_and_answer_is_read_with_its_language() -> None:
    records = {r.key: r for r in read_files(NLU, DOMAIN)}
    shipping = records["shipping_time"].content
    assert "届くまで何日かかりますか？" in shipping.questions_in("ja")
    assert "how long does delivery take?" in shipping.questions_in("en")
    assert shipping.answers["ja"].startswith("ご注文から1営業日以内に")
    assert records["shipping_time"].source_file == "faq_shipping.yml"
    # Order among the domain's responses and within the nlu file are kept apart.
    assert records["shipping_time"].position == 0
    assert records["store_hours"].file_position == 1


def test_an_edited_answer_a_new_key_and_a_variant_are_exported_and_read_back() -> None:
    nlu, domain = _repo()
    records = read_files(NLU, DOMAIN)
    changed = [
        replace(
            r,
            content=replace(
                r.content,
                answers={**r.content.answers, "en": 'New "quoted" answer: ¥550 📦'},
                variants={"x": {"en": "Short one for X."}},
                quick_replies={"ja": ("送料", "配送日数")},
            ),
        )
        if r.key == "shipping_cost"
        else r
        for r in records
    ]
    new = FaqRecord(
        key="kyoto_parking",
        source_file="faq_more.yml",
        file_position=0,
        position=99,
        content=FaqContent(
            questions=(Question("parking in kyoto?", "en"), Question("駐車場は？", "ja")),
            answers={"en": "No car park.", "ja": "駐車場はございません。"},
        ),
    )
    files = export_files([*changed, new], nlu, domain)
    again = {r.key: r for r in parse_files(_nlu_of(files, nlu), files["domain.yml"])}
    assert again["shipping_cost"].content.answers["en"] == 'New "quoted" answer: ¥550 📦'
    assert again["shipping_cost"].content.variants == {"x": {"en": "Short one for X."}}
    assert again["shipping_cost"].content.quick_replies == {"ja": ("送料", "配送日数")}
    assert again["kyoto_parking"].content.answers["ja"] == "駐車場はございません。"
    assert again["kyoto_parking"].source_file == "faq_more.yml"
    # Rasa reads the domain: it stays valid YAML with the rest untouched.
    data = yaml.safe_load(files["domain.yml"])
    assert "utter_faq/kyoto_parking" in data["responses"]
    assert data["responses"]["utter_greet"] == yaml.safe_load(domain)["responses"]["utter_greet"]
    assert files["domain.yml"].index("utter_faq/kyoto_parking") < files["domain.yml"].index(
        "utter_affirm"
    )


def _nlu_of(files: dict[str, str], original: dict[str, str]) -> dict[str, str]:
    merged = dict(original)
    merged.update({p.removeprefix("nlu_data/"): t for p, t in files.items() if "nlu_data/" in p})
    return merged


def test_a_file_whose_keys_were_all_removed_is_emptied_not_left_stale() -> None:
    nlu, domain = _repo()
    records = [r for r in read_files(NLU, DOMAIN) if r.source_file != "faq_account.yml"]
    files = export_files(records, nlu, domain)
    assert yaml.safe_load(files["nlu_data/faq_account.yml"]) == {"version": "3.1", "nlu": []}
    assert "utter_faq/store_hours" not in files["domain.yml"]


def test_answers_without_questions_and_scattered_responses_are_refused() -> None:
    nlu, domain = _repo()
    without = {n: t for n, t in nlu.items() if n != "faq_account.yml"}
    with pytest.raises(ConfigError, match="account_password"):
        parse_files(without, domain)
    # Another response between two FAQ answers: the block cannot be replaced as one.
    scattered = domain.replace(
        "  utter_faq/shipping_cost:", '  utter_mid:\n    - text: "m"\n\n  utter_faq/shipping_cost:'
    )
    with pytest.raises(ConfigError, match="together"):
        splice_domain(scattered, read_files(NLU, DOMAIN))


def test_merging_an_edit_keeps_the_old_order_and_appends_new_questions() -> None:
    old = (Question("a", "en"), Question("あ", "ja"), Question("b", "en"), Question("い", "ja"))
    merged = merge_questions(old, {"en": ["b", "c", "a"], "ja": ["い", "  う  ", "ウ"]})
    assert merged == (
        Question("a", "en"),
        Question("b", "en"),
        Question("い", "ja"),
        Question("c", "en"),
        Question("う", "ja"),
        Question("ウ", "ja"),
    )
    # Unchanged: identical, so the file is byte for byte the same.
    assert merge_questions(old, {"en": ["a", "b"], "ja": ["あ", "い"]}) == old
    # Duplicates within an edit (case, width, spacing) are dropped.
    assert merge_questions((), {"en": ["Hello  there", "hello there", "ＨＥＬＬＯ there"]}) == (
        Question("Hello there", "en"),
    )


@given(st.lists(st.text(max_size=12), max_size=8), st.lists(st.text(max_size=12), max_size=8))
def test_merging_never_loses_or_invents_a_question(en: list[str], ja: list[str]) -> None:
    merged = merge_questions((), {"en": en, "ja": ja})
    for language, texts in (("en", en), ("ja", ja)):
        kept = [q.text for q in merged if q.language == language]
        wanted = {normalise(t) for t in texts if t.split()}
        assert {normalise(t) for t in kept} == wanted
        assert len(kept) == len(wanted)


def test_problems_name_what_to_fix() -> None:
    content = FaqContent(
        questions=(Question("where is the kyoto shop", "en"), Question("京都店は？", "ja")),
        answers={"en": "x", "ja": "y"},
        quick_replies={"en": ("a very long quick reply title",)},
    )
    found = problems("Kyoto", content, other_questions={"where is the kyoto shop": "store_hours"})
    text = " ".join(found)
    assert "lower-case" in text
    assert "at least 2 English" in text and "at least 2 Japanese" in text
    assert "store_hours" in text
    assert "over 20 characters" in text
    good = FaqContent(
        questions=(
            Question("parking?", "en"),
            Question("car park?", "en"),
            Question("駐車場は？", "ja"),
            Question("車で行けますか", "ja"),
        ),
        answers={"en": "x", "ja": "y"},
    )
    assert problems("kyoto_parking", good, other_questions={}) == []


def test_diff_fingerprint_and_language() -> None:
    before = FaqContent(questions=(Question("a", "en"),), answers={"en": "old", "ja": "古い"})
    after = replace(before, answers={"en": "new", "ja": "古い"})
    text = diff("k", before, after)
    assert "-old" in text and "+new" in text and "古い" not in text.replace(" 古い", "")
    assert diff("k", None, after).startswith("--- (new)")
    one = questions_fingerprint({"k": before.questions})
    assert one == questions_fingerprint({"k": after.questions})  # answers do not count
    assert one != questions_fingerprint({"k": (Question("b", "en"),)})
    assert question_language("hw long to 大阪") == "ja"
    assert question_language("how long") == "en"


def test_content_survives_json() -> None:
    content = FaqContent(
        questions=(Question("q", "en"),),
        answers={"en": "a"},
        variants={"x": {"en": "b"}},
        quick_replies={"en": ("c",)},
    )
    assert FaqContent.from_json(content.to_json()) == content
    assert content.answer_for("en", "x") == "b"
    assert content.answer_for("en", "instagram") == "a"
    assert content.answer_for("ja", "x") is None
