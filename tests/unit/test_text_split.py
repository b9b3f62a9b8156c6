from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.messenger.client import MAX_TEXT_CHARS, split_for_messenger
from connectors.text import split_text, utf8_length


def test_short_text_is_one_part() -> None:
    assert split_text("Hello there.", 100) == ["Hello there."]


def test_splits_on_sentence_boundaries() -> None:
    text = "First sentence. Second one! Third?"
    assert split_text(text, 20) == ["First sentence.", "Second one! Third?"]


def test_japanese_sentences_split_after_the_full_stop() -> None:
    text = "ご注文ありがとうございます。発送は明日です。よろしくお願いいたします。"
    assert split_text(text, 20) == [
        "ご注文ありがとうございます。発送は明日です。"[:14],
        "発送は明日です。",
        "よろしくお願いいたします。",
    ]


def test_messenger_limit_is_under_2000_characters() -> None:
    text = ("This is a long answer about shipping. " * 120).strip()
    parts = split_for_messenger(text)
    assert len(parts) > 1
    assert all(len(p) <= MAX_TEXT_CHARS < 2000 for p in parts)
    assert all(p.endswith(".") for p in parts)


def test_byte_limit_never_cuts_inside_a_character() -> None:
    text = "送料は全国一律です" * 100
    parts = split_text(text, 1000, utf8_length)
    assert all(utf8_length(p) <= 1000 for p in parts)
    assert "".join(parts) == text


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=600), st.integers(min_value=1, max_value=120))
def test_fuzz_parts_fit_and_keep_every_non_space_character(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())
