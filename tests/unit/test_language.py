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


@pytest.mark.parametrize(
    "text",
    [
        "hola, quiero saber dónde está mi pedido",
        "Bonjour, quand est-ce que ma commande arrive ?",
        "我的订单什么时候到",
        "배송 언제 와요?",
        "Привет, где мой заказ?",
    ],
)
def test_other_languages_are_recognised(text: str) -> None:
    assert detect_language(text) is Language.OTHER


@pytest.mark.parametrize("text", ["thx!!", "lol", "ok", "danke", "merci", "wheres my ordr lol"])
def test_short_latin_text_stays_english(text: str) -> None:
    # Too short for the identifier to be trusted: answering in English is the safe reading.
    assert detect_language(text) is Language.EN
