"""Patterns that end in "…and nothing like this later" (or "…and this later") are read by
`TailCondition` in linear time; they must mean what the regex means."""

import re

import pytest

from agent.signals.rules import (
    TailCondition,
    compile_pattern,
    compile_patterns,
    load_rules,
    normalise,
)

GUARD = "偽物対策(って|は)?(して|やって)ますか(?!(?s:.)*(買っ|届|半額))"
WANTED = r"\bsue me\b(?=(?s:.)*(lol|haha))"

TEXTS = [
    "偽物対策ってしてますか？",
    "偽物対策ってしてますか？メルカリで買っちゃったんですが",
    "偽物対策はやってますか、偽物対策ってしてますか",
    "偽物対策ってしてますか？届いたのが半額でした。偽物対策ってしてますか",
    "買ったけど偽物対策ってしてますか",
    "届" * 3 + "偽物対策してますか" * 3,
    "",
    "sue me lol",
    "lol sue me",
    "sue me. sue me haha. sue me",
    "haha sue me haha sue me",
    "xa",
    "a ab a",
]


@pytest.mark.parametrize(
    "source", [GUARD, WANTED, "a(?!(?s:.)*$)", r"a(?=(?s:.)*\b)", "a(?!(?s:.)*b?)"]
)
@pytest.mark.parametrize("text", TEXTS)
def test_it_finds_and_takes_out_what_the_regex_does(source: str, text: str) -> None:
    plain = re.compile(source, re.IGNORECASE)
    tail = compile_pattern(source)
    assert isinstance(tail, TailCondition)
    found, expected = tail.search(text), plain.search(text)
    assert (found and found.span()) == (expected and expected.span())
    assert tail.sub(" ", text) == plain.sub(" ", text)


@pytest.mark.parametrize(
    "source",
    [
        "a|b(?!(?s:.)*c)",  # the condition belongs to the last branch only
        "(a(?!(?s:.)*c))",  # the whole pattern is one group
        "a(?!(?s:.)*c)d",  # the condition is not at the end
        r"(a)(?!(?s:.)*\1)",  # `later` refers back to the words
        "(?s)a(?!(?s:.)*c)",  # a flag for the whole pattern would not reach `later`
        r"a\(?!(?s:.)*c\)",  # escaped parentheses are no group
        "a(?![^.]*c)",  # a bounded look: already linear
        "a(?!(?s:.)*c|d)",  # "d" is looked for right after the words, not anywhere later
        "a(?!(?s:.)*?c)",  # lazy: another look
        "(a)?b(?!(?s:.)*(?(1)c|d))",  # a conditional on a group of the words
        "(?#[)a|b[])](?!(?s:.)*c)",  # a comment hides the `|`
        "x??(?!(?s:.)*z)",  # words that can be empty
    ],
)
def test_other_shapes_stay_plain_regexes(source: str) -> None:
    assert isinstance(compile_pattern(source), re.Pattern)


def test_patterns_keep_their_upper_case_escapes() -> None:
    """`\\S` is "not a space": lower-casing the pattern would have made it "a space"."""
    [pattern] = compile_patterns({"en": [r"\bcode \S+"]}, "test")
    assert pattern.search(normalise("use code ABC123")) and not pattern.search("code  ")


def test_brackets_in_a_character_class_are_not_groups() -> None:
    tail = compile_pattern("[(]a[^)]b(?!(?s:.)*c)")
    assert isinstance(tail, TailCondition)
    assert tail.search("(axb") and not tail.search("(axb c")


def test_a_repeated_phrase_is_scanned_for_the_later_words_once() -> None:
    """The reason for the class: the plain regex scans the rest of the message at every
    repetition of the words, so its work grows with the square of the length."""
    scans = 0

    class Counting:
        def __init__(self, pattern: re.Pattern[str]) -> None:
            self.pattern = pattern

        def search(self, string: str, pos: int = 0) -> re.Match[str] | None:
            nonlocal scans
            scans += 1
            return self.pattern.search(string, pos)

    tail = compile_pattern(GUARD)
    assert isinstance(tail, TailCondition)
    counted = TailCondition(tail.words, Counting(tail.later), tail.absent)  # type: ignore[arg-type]
    text = "偽物対策ってしてますか？" * 1000 + "届きました"
    assert counted.sub(" ", text) == re.compile(GUARD).sub(" ", text)
    assert scans == 2  # finds the one "届", then finds nothing after it


def test_the_brand_file_s_long_looks_ahead_are_read_linearly() -> None:
    compiled = [p for rule in load_rules() for p in rule.patterns + rule.ignore]
    sources = {p.words.pattern for p in compiled if isinstance(p, TailCondition)}
    assert any(source.startswith(normalise("偽物対策")) for source in sources)
    assert any("なりすまし" in source for source in sources)
