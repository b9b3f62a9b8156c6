"""The brand's urgency rules (agent/signals/urgency_rules.yml) and their matcher."""

from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.signals.data import DEV_URGENCY, read_jsonl
from agent.signals.rules import load_rules, match_rules
from agent.signals.types import UrgencyLevel
from scripts.check_urgency_rules import LevelChange, level_changes

RULES = load_rules()


def top(text: str, language: str = "en") -> tuple[str | None, UrgencyLevel | None]:
    hits = match_rules(text, RULES, language=language)
    return (hits[0].reason, hits[0].level) if hits else (None, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("woke up with hives all over my neck after the night cream", "health_safety"),
        ("the toner STINGS so bad and my cheeks are bright red", "health_safety"),
        ("eyes are puffy and watering since i used the mask", "health_safety"),
        ("pretty sure there's mold growing in the jar", "health_safety"),
        ("美容液を塗ったところがかぶれてしまいました", "health_safety"),
        ("化粧水のあと、まぶたがパンパンに腫れてる", "health_safety"),
        ("ｸﾘｰﾑ使ったら顔がﾋﾘﾋﾘする", "health_safety"),  # half-width katakana
        ("my toddler got into the cleansing oil and licked some", "child_ingestion"),
        ("うちの3歳の子がクリームを食べちゃった", "child_ingestion"),
        ("i'll be speaking to my lawyer about this", "legal_threat"),
        ("消費者センターに相談します", "legal_threat"),
        ("someone hacked my account and changed the address", "account_takeover"),
        ("身に覚えのない注文が入ってる", "account_takeover"),
        ("got a text from a fake tsuyu site asking for my card, is it phishing?", "fraud"),
        ("ツユを名乗るSMSが来ました", "fraud"),
        ("Hi, I'm a reporter at a beauty magazine, can we get a comment?", "press"),
        ("雑誌の編集部の者です。取材のお願いです", "press"),
        ("my password was reset this morning and it wasn't me", "account_takeover"),
        ("my tongue went numb after the lip oil", "health_safety"),
        ("唇がしびれて感覚がないです", "health_safety"),
        ("pustules on my chin since the spot gel", "health_safety"),
        ("頬の皮がペリペリむけてきました", "health_safety"),
        ("1歳の息子がリップをくわえて遊んでた", "child_ingestion"),
        ("someone has been ordering stuff on my account", "account_takeover"),
        ("could you send your press kit for a piece i'm writing?", "press"),
        # A journalist's right of reply; an order e-mail going to a place the customer never was.
        ("We'd like to give you an opportunity to respond before it's published Friday", "press"),
        ("offering you a right-of-reply, the piece goes to print tomorrow", "press"),
        ("I run a skincare substack and I'm writing up the rumours about the toner", "press"),
        (
            "your confirmation email says my parcel is heading to Sapporo. I'm in Fukuoka and "
            "have never been there",
            "account_takeover",
        ),
    ],
)
def test_critical_reports_in_both_languages(text: str, reason: str) -> None:
    assert top(text) == (reason, UrgencyLevel.CRITICAL)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("you charged me twice for one order", "wrong_charge"),
        ("キャンセルしたのに請求が来てる", "wrong_charge"),
        ("the serum bottle arrived smashed", "damaged_goods"),
        ("クリームの容器が割れて届きました", "damaged_goods"),
        ("tracking says delivered but nothing here", "missing_goods"),
        ("this is my third message and nobody answers", "repeated_contact"),
        ("何回も連絡してるのに返事がない", "repeated_contact"),
        ("fix it or i'm posting about this on tiktok", "public_threat"),
        # A customer's "chance to respond" before a review is a threat to go public, not press.
        ("i'm giving you a chance to respond before it goes up on google reviews", "public_threat"),
        ("ok so chance to reply before this goes up? my 1-star review is drafted", "public_threat"),
        ("このままならSNSで拡散します", "public_threat"),
    ],
)
def test_high_reports_in_both_languages(text: str, reason: str) -> None:
    assert top(text) == (reason, UrgencyLevel.HIGH)


@pytest.mark.parametrize(
    "text",
    [
        "is the serum safe during pregnancy?",
        "will it irritate sensitive skin?",
        "does the toner help with redness?",
        "no redness at all, love it",
        "the new cream is fire 🔥🔥",
        "this sale is killing me 😂",
        "how do I change my password",
        "my friend is a journalist and loves your toner",
        "敏感肌でもかぶれたりしないですか？",
        "赤みを抑える効果はありますか",
        "目に入ったら痛いですか？",
        "添加物とか入ってない？",
        "my friends keep asking what i use on my skin",
        "where is my order?",
        "password reset link not working",
        "the reset email never arrives, can you resend it?",
        # A confirmation going to the customer's own other address.
        "got my shipping confirmation and it says going to an address in Osaka - that's my office",
        "dispatch confirmation says it's being sent to someone called Aya T - that's my wife lol",
        "my friend says your serum has steroids in it, can you reply to these claims?",
    ],
)
def test_look_alikes_do_not_fire(text: str) -> None:
    assert top(text) == (None, None)


def test_the_most_urgent_hit_comes_first_with_its_explanation_and_words() -> None:
    hits = match_rules("the box was crushed and my son swallowed some toner", RULES, language="en")
    assert [h.reason for h in hits][:1] == ["child_ingestion"]
    assert {h.reason for h in hits} >= {"child_ingestion", "damaged_goods"}
    assert "swallowed" in hits[0].matched
    assert hits[0].explanation == "a child, pet or vulnerable adult may have swallowed a product"


def test_explanations_follow_the_customers_language() -> None:
    [hit] = match_rules("弁護士に相談します", RULES, language="ja")
    assert hit.explanation.startswith("法的措置")


def test_a_malformed_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yml"
    bad.write_text("rules:\n  - reason: x\n    level: urgent\n")
    with pytest.raises(ConfigError, match="rule 1"):
        load_rules(bad)
    bad.write_text(
        "rules:\n  - reason: x\n    level: high\n    explain: {en: a, ja: b}\n"
        "    patterns: {en: ['(unclosed']}\n"
    )
    with pytest.raises(ConfigError, match="bad pattern"):
        load_rules(bad)


def test_the_development_set_criticals_are_caught_and_look_alikes_are_not() -> None:
    """Every critical message in the hand-written development set must reach a person now, and
    none of its look-alikes (questions about safety, slang praise, jobs mentioned in passing)
    may page anyone."""
    rows = read_jsonl(DEV_URGENCY)
    missed, false_alarms = [], []
    for row in rows:
        reason, level = top(row["text"], row["language"])
        if row["urgency"] == "critical" and level != UrgencyLevel.CRITICAL:
            missed.append(f"  [{row['reason']}] {row['text']!r} -> {reason}/{level}")
        if row["urgency"] != "critical" and level == UrgencyLevel.CRITICAL:
            false_alarms.append(f"  [{row['urgency']}] {row['text']!r} -> {reason}")
    assert any(row["urgency"] == "critical" for row in rows)
    assert not missed and not false_alarms, (
        f"{len(missed)} critical dev messages missed:\n"
        + "\n".join(missed)
        + f"\n{len(false_alarms)} non-critical dev messages fired a critical rule:\n"
        + "\n".join(false_alarms)
    )


@pytest.mark.parametrize(
    "text",
    [
        "my acne is so much better since the serum",
        "the sunscreen didn't sting at all, even in my eyes",
        "my derm noticed my skin looks healthier, thank you",
        "かゆみがすっかり引いて嬉しいです",
        "目にしみないから朝ランでも使えます",
        "友達にオススメして拡散中です！",
        "my boyfriend has stolen my cleanser 😤",
        "何度も塗り直しちゃうくらい好き",
        "been hyping you up on my tiktok for weeks 🥰",
        "the app crashed again, that's the third time today",
        "漏れてた化粧水、すぐ交換していただきありがとうございました",
        # A symptom that stopped or never came, and a message sent by mistake.
        "haven't seen one pimple since march, this cleanser is it",
        "his elbows stopped flaking after a week of the body butter",
        "not a single sign of irritation after a week of retinol",
        "このクリームにしてからかぶれなくなりました",
        "ニキビができなくなったのが一番うれしい",
        "ジェルが全然べたつかなくて好き",
        "sorry wrong person, please ignore this",
    ],
)
def test_good_news_and_fans_do_not_fire(text: str) -> None:
    assert top(text) == (None, None)


@pytest.mark.parametrize(
    ("text", "reason", "level"),
    [
        # A guard removes only the words it covers; the report next to them still fires.
        (
            "the toner didn't sting at first but now my cheeks are burning",
            "health_safety",
            UrgencyLevel.CRITICAL,
        ),
        (
            "my redness was calmer for a week, now my face is swollen",
            "health_safety",
            UrgencyLevel.CRITICAL,
        ),
        ("割れてたので交換してください", "damaged_goods", UrgencyLevel.HIGH),
        ("化粧水を頼んだのに乳液が届きました", "missing_goods", UrgencyLevel.HIGH),
        ("5,000円のはずが7,000円引き落とされてる", "wrong_charge", UrgencyLevel.HIGH),
        ("cancelled it yesterday and it still shipped", "wrong_charge", UrgencyLevel.HIGH),
        ("charged $64 but the total said $48", "wrong_charge", UrgencyLevel.HIGH),
        ("先週から問い合わせしているのですが", "repeated_contact", UrgencyLevel.HIGH),
        ("ok, ignore me again. that's how it is", "repeated_contact", UrgencyLevel.HIGH),
        ("the cap came off in the box and the toner leaked", "damaged_goods", UrgencyLevel.HIGH),
        ("解約したのに今月も請求されてる", "wrong_charge", UrgencyLevel.HIGH),
        ("届いたら箱が漏れたクリームでベタベタでした", "damaged_goods", UrgencyLevel.HIGH),
        ("2週間経つのにまだ届いてないです", "missing_goods", UrgencyLevel.HIGH),
        ("クーポン適用されてなくて定価で決済されました", "wrong_charge", UrgencyLevel.HIGH),
    ],
)
def test_reports_next_to_good_news_or_in_new_wordings_still_fire(
    text: str, reason: str, level: UrgencyLevel
) -> None:
    assert top(text) == (reason, level)


@pytest.mark.parametrize(
    "text",
    [
        "まだかゆみが引きません",
        "赤みが全然落ち着かない",
        "肌荒れが治らないし増えてる",
        "ニキビが減らずにできてる",
        "my eyes won't stop burning",
        "it won't stop itching since last night",
        "ヒリヒリがなくならない",
        # A good-news guard does not reach across a negation.
        "the redness hasn't gone away after 3 days",
        "my rash is not getting better",
        "the rash never cleared up",
        "redness still not gone",
        "the itching isnt any better",
        "the cheek never stops burning",
    ],
)
def test_good_news_guards_do_not_swallow_the_bad_news(text: str) -> None:
    assert top(text) == ("health_safety", UrgencyLevel.CRITICAL)


@pytest.mark.parametrize(
    ("text", "language", "reason"),
    [
        ("got my order but it's someone elses, different name on the slip", "en", "missing_goods"),
        ("届いた荷物、知らない人の名前の明細でした", "ja", "missing_goods"),
        ("sort this out by friday or im writing a google review", "en", "public_threat"),
        ("the box says 3 sheet masks, there were 2 inside", "en", "missing_goods"),
        ("tracking now says returned to sender and i was home all day", "en", "missing_goods"),
        ("返品について聞いてから10日、なんの返事もありません", "ja", "repeated_contact"),
        ("関税込みって書いてあったのに、配達の時に関税払わされました", "ja", "wrong_charge"),
    ],
)
def test_mix_ups_and_reviews_are_high_not_critical(text: str, language: str, reason: str) -> None:
    # Someone else's parcel is a delivery mix-up, not a taken-over account; a review is not the
    # press.
    assert top(text, language) == (reason, UrgencyLevel.HIGH)


@pytest.mark.parametrize(
    "text",
    [
        "hi is anyone there?",
        "how do i know if my order is still processing or shipped?",
        "my tiktok followers keep asking where i got my serum lol so i sent them your link",
        "does the free trial turn into a paid plan automatically?",
        "3ヶ月プランから1ヶ月プランに変更できますか？",
        # A few days is an order-status question; a coupon not yet applied, a checkout one.
        "注文から3日経ちましたがまだ届いてません、いつ頃届きますか？",
        "クーポンが適用されないんですがどうすればいいですか？",
    ],
)
def test_greetings_questions_and_fans_stay_unflagged(text: str) -> None:
    assert top(text) == (None, None)


def test_a_rules_edit_lists_the_texts_whose_level_it_changes(tmp_path: Path) -> None:
    """`check_urgency_rules --against`: a guard that also silences a real report shows up."""
    rule = (
        "rules:\n  - reason: press\n    level: critical\n"
        "    explain: {en: press, ja: 報道}\n"
        "    patterns: {en: ['\\bpress (kit|release)\\b']}\n"
    )
    before = tmp_path / "before.yml"
    before.write_text(rule, encoding="utf-8")
    after = tmp_path / "after.yml"
    guard = "    ignore: {en: ['\\byour press (kit|release)\\b']}\n"
    after.write_text(rule + guard, encoding="utf-8")
    texts = ["your press release was cute", "send me your press kit please", "hello"]
    changes = level_changes(texts + texts[:1], load_rules(before), load_rules(after))
    assert changes == [
        LevelChange("your press release was cute", "critical", "not urgent"),
        LevelChange("send me your press kit please", "critical", "not urgent"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        # What a doctor said about labels, glass from a parcel's broken bottle, good news
        # said with a negation, a worry before it happens.
        "is this ok while pregnant? my doctor said to check the ingredients",
        "the bottle was smashed, glass all over the box. can i get a new one?",
        "全然ヒリヒリしなくて感動しました！",
        "開封後カビとか生えないか心配です",
        # Jokes, jobs and a shop's legal page.
        "i could sue you for making me look 10 years younger 😂",
        "訴えたいくらい良い化粧水ｗ",
        "I'm a lawyer and I'd like to order 5 gift sets for the office",
        "法律事務所で働いてて、事務所のみんなにお歳暮を贈りたいです",
        "特定商取引法に基づく表記はどこで見られますか？",
        # A scare already cleared up, sympathy about fakes, a customer writing again.
        "thought someone got into my account but turns out it was my sister lol",
        "偽アカとか大変そうですね、応援してます！",
        "this is the third time i'm writing about my refund, please reply",
        # The twelfth round's new patterns next to ordinary messages that share their words.
        "公式っぽいLINEスタンプ出してほしい",
        "公式みたいなラインナップでプチプラ版があったら嬉しい",
        "thanks for the reply, i'll include a photo of the damaged box below",
        "my son is 4 and had a powdered donut, his mouth was all white lol",
        "payment declined on my card twice, i've never shopped with you before. do you take paypal",
        "パスワードリセットのメールが届いたけど、まだ変えてないです。リンクって何時間有効ですか？",
    ],
)
def test_look_alikes_of_the_twelfth_round_are_not_critical(text: str) -> None:
    assert top(text)[1] is not UrgencyLevel.CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        # Each guard of the twelfth round next to a real report that shares its words.
        "glass shards all over the box and i found a bit in the cream jar too. i already used some",
        "カビ生えないか気になって蓋開けてみたら、中に黒い点々が…もう2週間顔に塗ってます",
        "I thought someone got into my account, turns out they did. there's an order to Leeds",
        "特商法の表記がどこにもないショップで公式って書いてあったのに、もう連絡つかない",
        "gonna sue you for making me look pretty in your ad lol, i never gave permission",
        "I'm a solicitor and I'd like to get this resolved before I take it further",
        "my derm told me to check the ingredients, she thinks your cream is why my face is swollen",
    ],
)
def test_the_twelfth_rounds_guards_leave_real_reports_critical(text: str) -> None:
    assert top(text)[1] is UrgencyLevel.CRITICAL


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # The guards above remove their own words only: the report beside them still fires.
        ("my doctor said to check the ingredients and now my lips are swollen", "health_safety"),
        ("bottle smashed, glass all over the box, and i cut my hand on it", "health_safety"),
        ("ヒリヒリしなくて安心してたら翌朝顔が腫れてました", "health_safety"),
        # New wordings.
        ("if you'd like to give a statement we'll include it in full", "press"),
        ("3 charges on my debit card from you and i've never ordered from you", "fraud"),
        ("my 2yo got into the sunscreen, his mouth is all white", "child_ingestion"),
        ("公式っぽいLINEから支払いエラーの連絡が来ました", "fraud"),
        ("ﾊﾟｽﾜｰﾄﾞ変更完了ﾒｰﾙが来たけど変えてないです", "account_takeover"),
    ],
)
def test_reports_of_the_twelfth_round_fire(text: str, reason: str) -> None:
    assert top(text) == (reason, UrgencyLevel.CRITICAL)
