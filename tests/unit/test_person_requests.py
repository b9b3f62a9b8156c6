"""Phrases that ask for a person: requests fire in both languages, look-alikes do not."""

import re
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.nlg.responses import load_responses
from agent.settings import REPO_ROOT
from agent.signals.data import DEV_ESCALATION, nlu_examples, read_jsonl
from agent.signals.person_requests import asked_for_person, load_person_requests

REQUESTS = load_person_requests()


@pytest.mark.parametrize(
    "text",
    [
        "stop with the robot answers and put a human on",
        "agent pls",
        "Live agent!",
        "can someone from your team call me? easier on the phone",
        "is there someone i can speak with directly",
        "i need a human to look at my order",
        "ロボットじゃ埒が明かないので人間の方お願いします",
        "オペレーターにつないでください",
        "自動返信じゃなくて人に見てほしい",
        "さっきから同じ返事ばかり。ちゃんとした人呼んで",
        "スタッフの人いますか？",
        "たんとうしゃにかわって",
    ],
)
def test_requests_for_a_person_are_read_in_either_language(text: str) -> None:
    assert asked_for_person(text, REQUESTS)


@pytest.mark.parametrize(
    "text",
    [
        "are you a real person?",
        "lol am i talking to AI rn",
        "the staff at your pop-up were lovely",
        "i don't need to talk to anyone, just tell me the price",
        "does your staff test on animals?",
        "中の人って本当にいるの？笑",
        "これって自動応答ですか？",
        "店舗のスタッフさんがすごく親切でした！",
        "友人と話したらおすすめされました",
        "担当者と話しましたが解決しません",
        "人が返信してますか",
        "スタッフおすすめの保湿クリームってどれですか？",
    ],
)
def test_questions_about_the_bot_and_mentions_of_staff_are_not_requests(text: str) -> None:
    assert asked_for_person(text, REQUESTS) is None


def test_every_handoff_example_of_the_development_set_and_nearly_every_nlu_one_is_read() -> None:
    rows = read_jsonl(DEV_ESCALATION)
    wanted = [r["text"] for r in rows if r["intent"] == "human_handoff"]
    assert wanted and all(asked_for_person(t, REQUESTS) for t in wanted)
    others = [r["text"] for r in rows if r["intent"] != "human_handoff"]
    assert not [t for t in others if asked_for_person(t, REQUESTS)]
    taught = [text for intent, text in nlu_examples() if intent == "human_handoff"]
    read = sum(1 for t in taught if asked_for_person(t, REQUESTS))
    assert read >= 0.95 * len(taught)


def test_what_matched_is_returned_for_the_support_staff() -> None:
    assert asked_for_person("ugh. get me a real rep", REQUESTS) == "get me a real rep"


def test_a_file_without_patterns_or_with_a_bad_one_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "requests.yml"
    bad.write_text("patterns: {}\n")
    with pytest.raises(ConfigError, match="no patterns"):
        load_person_requests(bad)
    bad.write_text("patterns: {en: ['(unclosed']}\n")
    with pytest.raises(ConfigError, match="bad pattern"):
        load_person_requests(bad)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_words_the_complaint_reply_suggests_are_read_as_a_request(language: str) -> None:
    """A complaint the policy keeps with the bot is told how to reach a person: the words it is
    told to write must be read as a request, or the reply would be a false promise."""
    reply = load_responses(REPO_ROOT / "domain.yml").render("utter_complaint", language)
    assert reply is not None
    suggested = re.findall(r"\"([^\"]+)\"|「([^」]+)」", reply)
    assert suggested, reply
    for words in ("".join(groups) for groups in suggested):
        assert asked_for_person(words, REQUESTS), words
