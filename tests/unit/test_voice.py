"""The brand voice: applying the profile to replies, and the check on FAQ answer drafts."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import ConfigError
from agent.faq.voice import (
    CHANNELS,
    DEFAULT_VOICE_PATH,
    PLATFORM_LIMITS,
    EmojiPolicy,
    Finding,
    FindingCode,
    Register,
    VoiceProfile,
    apply_voice,
    check_answer,
    check_voice,
    emoji_in,
    fits,
    load_voice_profile,
)

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
PROFILE = load_voice_profile(DEFAULT_VOICE_PATH)
GREETING_EN = "Hi, this is Shizuku from Tsuyu Botanicals."
SIGN_OFF_EN = "Anything else, just ask."
GREETING_JA = "Tsuyu Botanicalsのしずくです。"
SIGN_OFF_JA = "ほかにもご不明な点があればお気軽にどうぞ。"

FAMILY = "👨\u200d👩\u200d👧\u200d👦"
FLAG = "🇯🇵"
SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
KEYCAP = "1\ufe0f\u20e3"
THUMB = "👍🏽"
HEART = "❤\ufe0f"


def with_emoji(**policies: EmojiPolicy) -> VoiceProfile:
    return dataclasses.replace(PROFILE, emoji={**PROFILE.emoji, **policies})


def codes(findings: list[Finding]) -> list[FindingCode]:
    return [f.code for f in findings]


def polite(ja: str = "送料は550円です。", en: str = "Shipping is ¥550.") -> dict[str, str]:
    return {"en": en, "ja": ja}


# --- the profile ---------------------------------------------------------------------------


def test_default_profile_is_the_demo_brand() -> None:
    assert PROFILE.brand == "Tsuyu Botanicals"
    assert PROFILE.persona == {"en": "Shizuku", "ja": "しずく"}
    assert PROFILE.japanese_register is Register.POLITE
    assert PROFILE.emoji["x"] is EmojiPolicy.AT_MOST_ONE
    assert PROFILE.max_length == {"messenger": 2000, "instagram": 1000, "x": 1000}
    assert {"cure", "治る", "激安", "絶対"} <= set(PROFILE.banned_words)


def test_profile_round_trips_through_json() -> None:
    stored = json.loads(json.dumps(PROFILE.to_dict()))
    assert VoiceProfile.from_dict(stored) == PROFILE


def test_a_profile_saved_before_the_acknowledgment_existed_has_none() -> None:
    saved = {k: v for k, v in PROFILE.to_dict().items() if k != "acknowledgment"}
    profile = VoiceProfile.from_dict(saved)
    assert profile.acknowledgment == {"en": "", "ja": ""}
    answer = apply_voice(
        "Shipping is ¥550.",
        profile=profile,
        language="en",
        channel="x",
        first_reply=False,
        upset=True,
    )
    assert answer == "Shipping is ¥550."


def bad(**changes: Any) -> dict[str, Any]:
    return {**PROFILE.to_dict(), **changes}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (bad(emoji={"messenger": "allow", "instagram": "allow", "x": "none", "line": "allow"}),
         "emoji needs exactly"),
        (bad(emoji={"messenger": "allow", "instagram": "lots", "x": "none"}), "emoji.instagram"),
        (bad(max_length={"messenger": -1, "instagram": 1000, "x": 1000}), "max_length.messenger"),
        (bad(max_length={"messenger": 2000, "instagram": 1001, "x": 1000}), "from 1 to 1,000"),
        (bad(max_length={"messenger": 2001, "instagram": 1000, "x": 1000}), "from 1 to 2,000"),
        (bad(max_length={"messenger": True, "instagram": 1000, "x": 1000}), "max_length"),
        (bad(japanese_register="formal"), "japanese_register"),
        (bad(persona={"en": "Shizuku"}), "persona"),
        (bad(link_domains=["https://tsuyu-botanicals.example/"]), "bare domain"),
        (bad(banned_words="cheap"), "banned_words must be a list"),
        (bad(colour="blue"), "unknown fields colour"),
        ({k: v for k, v in PROFILE.to_dict().items() if k != "greeting"}, "missing fields"),
        (bad(brand=" "), "brand"),
        (bad(acknowledgment={"en": "Sorry for the trouble."}), "acknowledgment needs exactly"),
        (bad(acknowledgment={"en": 3, "ja": ""}), "acknowledgment.en must be text"),
    ],
)  # fmt: skip
def test_a_malformed_profile_says_what_is_wrong(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(reason)):
        VoiceProfile.from_dict(data)


def test_loading_a_broken_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "voice.yml"
    path.write_text("brand: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_voice_profile(path)
    with pytest.raises(ConfigError):
        load_voice_profile(tmp_path / "missing.yml")


# --- platform limits -----------------------------------------------------------------------


def test_instagram_counts_utf8_bytes_and_the_others_characters() -> None:
    japanese = "送" * 400  # 1,200 bytes
    assert not fits(japanese, "instagram")
    assert fits(japanese, "messenger")
    assert fits(japanese, "x")
    assert fits("送" * 333, "instagram")  # 999 bytes
    assert fits("a" * 1000, "instagram")
    assert not fits("a" * 1001, "instagram")
    assert not fits("a" * 2001, "messenger")
    assert fits("a" * 10_000, "x") and not fits("a" * 10_001, "x")
    assert PLATFORM_LIMITS["instagram"].kind == "bytes"


def test_fits_applies_the_brands_own_limit_too() -> None:
    assert fits("a" * 1200, "x") and not fits("a" * 1200, "x", max_chars=1000)
    with pytest.raises(ValueError, match="telegram"):
        fits("hi", "telegram")


# --- applying the voice --------------------------------------------------------------------


def test_first_reply_has_the_greeting_before_and_the_sign_off_after() -> None:
    out = apply_voice(
        "Shipping is ¥550.", profile=PROFILE, language="en", channel="messenger", first_reply=True
    )
    assert out == f"{GREETING_EN}\nShipping is ¥550.\n{SIGN_OFF_EN}"


def test_an_upset_customer_gets_the_acknowledgment_before_the_answer() -> None:
    first = apply_voice(
        "Shipping is ¥550.",
        profile=PROFILE,
        language="en",
        channel="messenger",
        first_reply=True,
        upset=True,
    )
    assert first == f"{GREETING_EN}\nSorry for the trouble. Shipping is ¥550.\n{SIGN_OFF_EN}"
    later = apply_voice(
        "送料は550円です。",
        profile=PROFILE,
        language="ja",
        channel="x",
        first_reply=False,
        upset=True,
    )
    assert later == "ご不便をおかけして申し訳ございません。送料は550円です。"
    # Another language gets the English opening with the English answer.
    other = apply_voice(
        "Hola.", profile=PROFILE, language="es", channel="x", first_reply=False, upset=True
    )
    assert other == "Sorry for the trouble. Hola."
    # An opening written without a full stop still reads as its own sentence.
    bare = dataclasses.replace(
        PROFILE, acknowledgment={"en": "Sorry about that", "ja": "失礼しました"}
    )
    assert (
        apply_voice(
            "Hola.", profile=bare, language="en", channel="x", first_reply=False, upset=True
        )
        == "Sorry about that. Hola."
    )
    assert (
        apply_voice(
            "送料は550円です。",
            profile=bare,
            language="ja",
            channel="x",
            first_reply=False,
            upset=True,
        )
        == "失礼しました。送料は550円です。"
    )


def test_the_voice_checks_its_own_texts() -> None:
    assert check_voice(PROFILE) == []
    broken = dataclasses.replace(
        PROFILE,
        greeting={**PROFILE.greeting, "ja": "しずくだよ。"},
        sign_off={**PROFILE.sign_off, "en": "More at https://elsewhere.example/help"},
        acknowledgment={"en": "Sorry, we guarantee a fix.", "ja": "すみません。"},
    )
    found = {(f.code, f.language, f.excerpt) for f in check_voice(broken)}
    assert found == {
        (FindingCode.CASUAL_REGISTER, "ja", "しずくだよ。"),
        (FindingCode.UNKNOWN_LINK, "en", "https://elsewhere.example/help"),
        (FindingCode.BANNED_WORD, "en", "guarantee"),
        (FindingCode.APOLOGY_NOT_HUMBLE, "ja", "すみません"),
    }
    # The persona is filled in before the check: a banned persona name is found too.
    named = dataclasses.replace(PROFILE, persona={**PROFILE.persona, "en": "Miracle"})
    assert [(f.code, f.excerpt) for f in check_voice(named)] == [
        (FindingCode.BANNED_WORD, "miracle")
    ]
    # A casual Japanese voice may greet casually; empty texts are not checked.
    casual = dataclasses.replace(
        broken, japanese_register=Register.CASUAL, acknowledgment={"en": "", "ja": ""}
    )
    assert {f.code for f in check_voice(casual)} == {FindingCode.UNKNOWN_LINK}


def test_later_replies_are_the_text_alone() -> None:
    out = apply_voice(
        "Shipping is ¥550.", profile=PROFILE, language="en", channel="messenger", first_reply=False
    )
    assert out == "Shipping is ¥550."


def test_japanese_greeting_names_the_japanese_persona() -> None:
    out = apply_voice(
        "送料は550円です。", profile=PROFILE, language="ja", channel="instagram", first_reply=True
    )
    assert out == f"{GREETING_JA}\n送料は550円です。\n{SIGN_OFF_JA}"


def test_another_language_gets_the_english_voice() -> None:
    out = apply_voice("Hola.", profile=PROFILE, language="es", channel="x", first_reply=True)
    assert out.startswith(GREETING_EN + "\n")


def test_greeting_and_sign_off_are_dropped_rather_than_overflow() -> None:
    # Room for the greeting but not the sign-off: the greeting stays.
    room = 2000 - len(GREETING_EN) - 1
    text = "a" * room
    out = apply_voice(text, profile=PROFILE, language="en", channel="messenger", first_reply=True)
    assert out == f"{GREETING_EN}\n{text}"
    # No room at all: the bare text, never cut (the sender splits long replies).
    long = "This is a sentence. " * 150
    out = apply_voice(long, profile=PROFILE, language="en", channel="messenger", first_reply=True)
    assert out == long


def test_instagram_drops_the_greeting_when_the_bytes_would_overflow() -> None:
    text = "送料は無料です。" * 41  # 328 characters, 984 bytes: fits alone, not greeted
    on_instagram = apply_voice(
        text, profile=PROFILE, language="ja", channel="instagram", first_reply=True
    )
    on_messenger = apply_voice(
        text, profile=PROFILE, language="ja", channel="messenger", first_reply=True
    )
    assert on_instagram == text
    assert on_messenger.startswith(GREETING_JA)


def test_x_keeps_to_the_brands_1000_characters() -> None:
    text = "a" * 990
    assert apply_voice(text, profile=PROFILE, language="en", channel="x", first_reply=True) == text


# --- emoji ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks 😊 see you", "Thanks see you"),
        (f"We ship to Japan {FLAG} and Scotland {SCOTLAND}.", "We ship to Japan and Scotland."),
        (f"For the whole family {FAMILY}!", "For the whole family!"),
        (f"Great choice {THUMB}{HEART} enjoy", "Great choice enjoy"),
        (f"{KEYCAP} Cleanse 2\ufe0f\u20e3 Tone", "Cleanse Tone"),
        ("お届けします 📦。", "お届けします。"),
        ("無料です🎁 ラッピングは300円です。", "無料です ラッピングは300円です。"),
        ("（🌿ヴィーガン）", "（ヴィーガン）"),
        ("😊\nLine two 🙏", "\nLine two"),
        # Not emoji: trademarks, a plain heart-less text, order numbers, ♪ and arrows.
        ("Tsuyu Botanicals® Mizu™ ©2026 #1 TB-123456 ♪ 化粧水→美容液", None),
    ],
)
def test_emoji_none_strips_every_sequence(text: str, expected: str | None) -> None:
    profile = with_emoji(messenger=EmojiPolicy.NONE)
    out = apply_voice(text, profile=profile, language="en", channel="messenger", first_reply=False)
    assert out == (text if expected is None else expected)
    assert emoji_in(out) == []


def test_at_most_one_keeps_the_first_sequence_whole() -> None:
    text = f"Hello {FAMILY} from Kyoto {FLAG} thanks {THUMB}!"
    out = apply_voice(text, profile=PROFILE, language="en", channel="x", first_reply=False)
    assert out == f"Hello {FAMILY} from Kyoto thanks!"
    assert emoji_in(out) == [FAMILY]


def test_allow_keeps_every_emoji() -> None:
    text = f"Hello {FAMILY} {FLAG} {THUMB}"
    out = apply_voice(text, profile=PROFILE, language="en", channel="instagram", first_reply=False)
    assert out == text
    assert emoji_in(out) == [FAMILY, FLAG, THUMB]


# --- the voice check -----------------------------------------------------------------------


def published_faq_answers() -> dict[str, dict[str, str]]:
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    answers: dict[str, dict[str, str]] = {}
    for name, variations in domain["responses"].items():
        if not name.startswith("utter_faq/"):
            continue
        for variation in variations:
            conditions = variation.get("condition") or []
            japanese = {"type": "slot", "name": "language", "value": "ja"} in conditions
            answers.setdefault(name, {})["ja" if japanese else "en"] = variation["text"]
    return answers


def test_the_published_faq_answers_have_no_findings() -> None:
    answers = published_faq_answers()
    assert len(answers) >= 10
    for name, texts in answers.items():
        assert set(texts) == {"en", "ja"}, name
        assert check_answer(answers=texts, variants={}, profile=PROFILE) == [], name


def test_a_polite_answer_has_no_findings() -> None:
    assert check_answer(answers=polite(), variants={}, profile=PROFILE) == []


def test_both_languages_are_required() -> None:
    missing = check_answer(answers={"en": "Shipping is ¥550."}, variants={}, profile=PROFILE)
    assert [(f.code, f.language) for f in missing] == [(FindingCode.MISSING_LANGUAGE, "ja")]
    empty = check_answer(answers=polite(en="  \n"), variants={}, profile=PROFILE)
    assert [(f.code, f.language) for f in empty] == [(FindingCode.EMPTY, "en")]


def test_a_variant_missing_a_language_falls_back_to_the_default() -> None:
    variants = {"x": {"en": "Shipping: ¥550."}}
    assert check_answer(answers=polite(), variants=variants, profile=PROFILE) == []


def test_too_long_for_instagram_counts_bytes() -> None:
    ja = "送料は全国一律550円です。" * 25  # 325 characters: 975 bytes before the greeting
    findings = check_answer(answers=polite(ja=ja), variants={}, profile=PROFILE)
    assert [(f.code, f.language, f.channel) for f in findings] == [
        (FindingCode.TOO_LONG, "ja", "instagram")
    ]
    message = findings[0].message
    assert "1,000 bytes" in message and "bytes" in message
    size = len(f"{GREETING_JA}\n{ja}\n{SIGN_OFF_JA}".encode())
    assert f"{size:,}" in message
    assert f"{size:,}" in findings[0].message_ja


def test_too_long_for_the_brands_own_limit() -> None:
    profile = dataclasses.replace(PROFILE, max_length={**PROFILE.max_length, "x": 500})
    en = "Our serum suits every skin type. " * 16  # 528 characters
    findings = check_answer(answers=polite(en=en), variants={}, profile=profile)
    assert [(f.code, f.language, f.channel) for f in findings] == [
        (FindingCode.TOO_LONG, "en", "x")
    ]
    first_reply = len(f"{GREETING_EN}\n{en}\n{SIGN_OFF_EN}")
    assert "500 characters" in findings[0].message and str(first_reply) in findings[0].message


def test_a_short_x_variant_fixes_too_long() -> None:
    profile = dataclasses.replace(PROFILE, max_length={**PROFILE.max_length, "x": 500})
    en = "Our serum suits every skin type. " * 16
    variants = {"x": {"en": "Our serum suits every skin type."}}
    assert check_answer(answers=polite(en=en), variants=variants, profile=profile) == []


@pytest.mark.parametrize(
    ("language", "text", "word"),
    [
        ("en", "Our Mizu serum will cure dry skin.", "cure"),
        ("en", "Results GUARANTEED within a week.", "guaranteed"),
        ("en", "Our cheap trial kit is ¥1,100.", "cheap"),
        ("en", "Ｃｈｅａｐ shipping, too.", "cheap"),  # full-width letters, NFKC
        ("ja", "肌荒れが治ると評判です。", "治る"),
        ("ja", "絶対に肌荒れしません。", "絶対"),
        ("ja", "ｹﾞｷﾔｽ価格ではございません。激安です。", "激安"),
    ],
)
def test_banned_words_are_found(language: str, text: str, word: str) -> None:
    answers = {**polite(), language: text}
    findings = check_answer(answers=answers, variants={}, profile=PROFILE)
    assert (FindingCode.BANNED_WORD, language, word) in [
        (f.code, f.language, f.excerpt) for f in findings
    ]


def test_banned_english_words_match_whole_words_only() -> None:
    answers = polite(en="Checkout is secure, and we procure yuzu from Kochi.")
    assert check_answer(answers=answers, variants={}, profile=PROFILE) == []


CASUAL = [
    ("送料は550円だよ！", "だよ"),
    ("5,000円以上なら無料になるよ😊", "るよ"),
    ("マイページからキャンセルしてね", "してね"),
    ("返品できるかな？", "かな"),
    ("すぐ届くじゃん", "じゃん"),
    ("明日発送する。", "する"),
    ("開封済みは返品できない。", "ない"),
    ("昨日発送した。", "した"),
    ("この化粧水、すごくしっとりするんだよね〜♪", "だよね"),
    ("・送料は550円だよ", "だよ"),  # a list item may be plain, but not casual
]


@pytest.mark.parametrize(("sentence", "ending"), CASUAL)
def test_casual_sentences_are_flagged(sentence: str, ending: str) -> None:
    ja = f"ご注文ありがとうございます。{sentence}"
    findings = check_answer(answers=polite(ja=ja), variants={}, profile=PROFILE)
    assert codes(findings) == [FindingCode.CASUAL_REGISTER]
    assert findings[0].excerpt == sentence
    assert f"〜{ending}" in findings[0].message
    assert "です/ます" in findings[0].message and "です・ます" in findings[0].message_ja


POLITE_OR_NOUN = [
    "送料無料。",
    "平日10:00〜18:00（日本時間）",
    "【お支払いについて】",
    "■ 返品・交換について",
    "お届けについて",
    "ご注文から1営業日以内に発送します（土日祝を除く）。",
    "メッセージカードは無料です🎁",
    "パッチテストをお願いいたします♪",
    "乾燥が気になる季節ですよね！",
    "1回のご注文につき1つまで。",
    "ご不明な点はお気軽にどうぞ。",
    "ご注文ありがとうございます、明日発送",
    "化粧水→美容液→クリームの順",
    "Mizuライン",
    "※一部地域を除く",  # notes and steps are plain form in polite text too
    "1. マイページにログインする",
    "2. 注文履歴を選ぶ",
    "・敏感肌の方にも使える",
]


@pytest.mark.parametrize("sentence", POLITE_OR_NOUN)
def test_polite_sentences_noun_endings_and_headings_are_not_flagged(sentence: str) -> None:
    assert check_answer(answers=polite(ja=sentence), variants={}, profile=PROFILE) == []


def test_a_casual_brand_is_not_held_to_desu_masu() -> None:
    casual = dataclasses.replace(PROFILE, japanese_register=Register.CASUAL)
    assert check_answer(answers=polite(ja="送料は550円だよ！"), variants={}, profile=casual) == []


@pytest.mark.parametrize("word", ["ごめんなさい", "すみません", "すいません"])
def test_apologies_must_be_humble(word: str) -> None:
    ja = f"お届けが遅れてしまい、{word}。"
    findings = check_answer(answers=polite(ja=ja), variants={}, profile=PROFILE)
    assert [(f.code, f.excerpt) for f in findings] == [(FindingCode.APOLOGY_NOT_HUMBLE, word)]
    assert "申し訳ございません" in findings[0].message


def test_a_humble_apology_passes() -> None:
    ja = "お届けが遅れてしまい、大変申し訳ございません。"
    assert check_answer(answers=polite(ja=ja), variants={}, profile=PROFILE) == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Track it at https://track.kuronekoyamato.co.jp/tracking?no=1234.", None),
        ("See https://tsuyu-botanicals.example/returns for details.", None),
        ("See www.tsuyu-botanicals.example/returns.", None),
        ("See https://bit.ly/3xYz for details.", "https://bit.ly/3xYz"),
        ("Buy it at www.cosme-deals.example/mizu!", "www.cosme-deals.example/mizu"),
        ("Log in at https://tsuyu-botanicals.example.login-help.com/", "https://tsuyu-botanicals.example.login-help.com/"),
        ("See http://eviltsuyu-botanicals.example/x", "http://eviltsuyu-botanicals.example/x"),
    ],
)  # fmt: skip
def test_links_go_only_to_approved_domains(text: str, flagged: str | None) -> None:
    findings = check_answer(answers=polite(en=text), variants={}, profile=PROFILE)
    expected = [] if flagged is None else [(FindingCode.UNKNOWN_LINK, flagged)]
    assert [(f.code, f.excerpt) for f in findings] == expected


def test_a_link_inside_japanese_text_ends_at_the_japanese() -> None:
    ok = "詳しくはhttps://tsuyu-botanicals.example/faqをご覧ください。"
    assert check_answer(answers=polite(ja=ok), variants={}, profile=PROFILE) == []
    bad = "詳しくはhttps://example.com/faqをご覧ください。"
    findings = check_answer(answers=polite(ja=bad), variants={}, profile=PROFILE)
    assert [(f.code, f.excerpt) for f in findings] == [
        (FindingCode.UNKNOWN_LINK, "https://example.com/faq")
    ]


def test_emoji_on_a_channel_without_emoji_is_a_finding() -> None:
    profile = with_emoji(x=EmojiPolicy.NONE)
    answers = polite(ja="通常2〜4営業日でお届けします📦")
    findings = check_answer(answers=answers, variants={}, profile=profile)
    assert [(f.code, f.language, f.channel, f.excerpt) for f in findings] == [
        (FindingCode.EMOJI_NOT_ALLOWED, "ja", "x", "📦")
    ]
    # An X version without emoji settles it.
    variants = {"x": {"ja": "通常2〜4営業日でお届けします。"}}
    assert check_answer(answers=answers, variants=variants, profile=profile) == []


def test_a_variant_is_checked_on_its_own_channel() -> None:
    variants = {"instagram": {"ja": "送料は550円だよ！"}}
    findings = check_answer(answers=polite(), variants=variants, profile=PROFILE)
    assert [(f.code, f.channel) for f in findings] == [(FindingCode.CASUAL_REGISTER, "instagram")]
    assert "Instagram" in findings[0].message


def test_findings_come_in_a_stable_order() -> None:
    answers = {
        "ja": "ごめんね、送料は550円だよ！詳しくはhttps://bit.ly/aをどうぞ。",
        "en": "It's cheap and guaranteed: https://bit.ly/b",
    }
    variants = {"x": {"en": "Cheap! " * 200}, "messenger": {"ja": "治るよ"}}
    first = check_answer(answers=answers, variants=variants, profile=PROFILE)
    again = check_answer(
        answers=dict(reversed(answers.items())),
        variants=dict(reversed(variants.items())),
        profile=PROFILE,
    )
    assert first == again
    order = list(FindingCode)
    keys = [
        (f.language, CHANNELS.index(f.channel) if f.channel else -1, order.index(f.code), f.excerpt)
        for f in first
    ]
    assert keys == sorted(keys)
    assert {f.code for f in first} >= {
        FindingCode.APOLOGY_NOT_HUMBLE,
        FindingCode.CASUAL_REGISTER,
        FindingCode.UNKNOWN_LINK,
        FindingCode.BANNED_WORD,
        FindingCode.TOO_LONG,
    }
    assert all(f.message and f.message_ja for f in first)


# --- properties ----------------------------------------------------------------------------

EMOJI_HEAVY = st.lists(
    st.sampled_from(
        ["a", " ", "。", "\n", "1", "#", "送", "😊", FLAG, FAMILY, THUMB, KEYCAP, HEART, "\u200d",
         "\ufe0f", "\u20e3", "🏽", "🇯", "\U000e0067", "\U000e007f", "🏴", "©", "♀"]
    ) | st.characters(),
    max_size=60,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=3000) | EMOJI_HEAVY,
    language=st.sampled_from(["en", "ja", "fr", ""]) | st.text(max_size=3),
    channel=st.sampled_from([*CHANNELS, "telegram"]),
    first_reply=st.booleans(),
    policy=st.sampled_from(list(EmojiPolicy)),
)
def test_apply_voice_never_raises_and_keeps_fitting_text_fitting(
    text: str, language: str, channel: str, first_reply: bool, policy: EmojiPolicy
) -> None:
    profile = with_emoji(**dict.fromkeys(CHANNELS, policy))
    out = apply_voice(
        text, profile=profile, language=language, channel=channel, first_reply=first_reply
    )
    checked = [channel] if channel in CHANNELS else list(CHANNELS)
    for c in checked:
        if fits(text, c, profile.max_length[c]):
            assert fits(out, c, profile.max_length[c])
    if channel in CHANNELS and policy is EmojiPolicy.NONE:
        assert emoji_in(out) == []
    if channel in CHANNELS and policy is EmojiPolicy.AT_MOST_ONE:
        assert len(emoji_in(out)) <= 1


@settings(max_examples=200, deadline=None)
@given(en=st.text(max_size=400) | EMOJI_HEAVY, ja=st.text(max_size=400) | EMOJI_HEAVY)
def test_check_answer_never_raises(en: str, ja: str) -> None:
    findings = check_answer(
        answers={"en": en, "ja": ja}, variants={"x": {"ja": en}}, profile=PROFILE
    )
    assert all(isinstance(f, Finding) for f in findings)
