"""Every reply the bot can give exists in both languages."""

from agent.nlg.responses import load_responses
from agent.settings import REPO_ROOT
from agent.signals.language import Language
from tests.brand import FAQ_KEYS

OTHER = [
    "utter_greet",
    "utter_goodbye",
    "utter_thanks",
    "utter_bot_challenge",
    "utter_compliment",
    "utter_complaint",
    "utter_handoff",
    "utter_out_of_scope",
    "utter_default",
    "utter_attachment",
]


def _has_kana(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" for ch in text)


def test_every_response_has_an_english_and_a_japanese_text() -> None:
    responses = load_responses(REPO_ROOT / "domain.yml")
    for name in [f"utter_faq/{key}" for key in FAQ_KEYS] + OTHER:
        variants = responses.texts[name]
        assert set(variants) == {Language.EN, Language.JA}, name
        assert _has_kana(variants[Language.JA]), name
        assert not _has_kana(variants[Language.EN]), name
        assert len(variants[Language.EN]) < 2000 and len(variants[Language.JA]) < 2000


def test_unknown_languages_fall_back_to_english() -> None:
    responses = load_responses(REPO_ROOT / "domain.yml")
    assert responses.render("utter_greet", "fr") == responses.render("utter_greet", "en")
    assert responses.render("utter_nope", "en") is None
