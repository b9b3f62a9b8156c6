"""Grouping the questions the bot could not answer."""

from __future__ import annotations

from agent.insight.similar import Question, group_questions, normalise


def _questions(*texts: str) -> list[Question]:
    return [
        Question(i, t, "ja" if not t.isascii() else "en", "messenger") for i, t in enumerate(texts)
    ]


def test_wordings_of_one_question_form_one_group_led_by_the_newest() -> None:
    groups = group_questions(
        _questions(
            "any shop in Kyoto??",
            "where is my refund",
            "do you have a shop in Kyoto?",
            "is there a Tsuyu shop in Kyoto",
            "when will I get my refund",
            "can I pay with paypay",
        )
    )
    assert [(g.representative.text, g.count) for g in groups] == [
        ("any shop in Kyoto??", 3),
        ("where is my refund", 2),
        ("can I pay with paypay", 1),
    ]
    assert groups[0].message_ids == (0, 2, 3)
    assert groups[0].wordings == (
        "any shop in Kyoto??",
        "do you have a shop in Kyoto?",
        "is there a Tsuyu shop in Kyoto",
    )


def test_japanese_questions_group_without_spaces_and_apart_from_english() -> None:
    groups = group_questions(
        _questions(
            "京都に店舗はありますか", "京都にお店はありますか", "do you have a shop in Kyoto?"
        )
    )
    assert [(g.count, g.languages) for g in groups] == [(2, ("ja",)), (1, ("en",))]


def test_repeats_count_but_show_once_and_empty_texts_are_ignored() -> None:
    groups = group_questions(_questions("Gift cards?", "gift cards?", "  ", "https://x.example"))
    assert [(g.count, g.wordings) for g in groups] == [(2, ("Gift cards?",))]
    assert normalise("ＧＩＦＴ  Cards？ https://a.b/c") == "gift cards?"
    assert group_questions([]) == []


def test_the_limit_keeps_the_largest_groups() -> None:
    texts = ["where is my refund"] * 3 + ["any shop in Kyoto?", "can I pay with paypay"]
    groups = group_questions(_questions(*texts), limit=1)
    assert len(groups) == 1 and groups[0].count == 3
