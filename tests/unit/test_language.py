import pytest

from agent.signals.language import Language, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("送料はいくらですか？", Language.JA),
        ("いつ届く？", Language.JA),
        ("ｱﾘｶﾞﾄｳ", Language.JA),
        ("返品", Language.JA),
        ("how much is shipping??", Language.EN),
        ("where is my order TB-123456 pls 🙏", Language.EN),
        ("PayPayで払える？", Language.JA),
        ("can I use PayPay", Language.EN),
    ],
)
def test_detects_japanese_and_english(text: str, expected: Language) -> None:
    assert detect_language(text) is expected


def test_text_without_letters_keeps_the_previous_language() -> None:
    assert detect_language("🙏🙏", previous="ja") is Language.JA
    assert detect_language("12345", previous="en") is Language.EN
    assert detect_language("👍") is Language.EN
