"""Japanese register: does a sentence end in です/ます, or casually (〜だよ, 〜してね, 〜する。)?

A heuristic over sentence endings, tuned to flag little: every finding stops an answer from
being submitted, so an ending it cannot read (a noun, a heading, a time) is never flagged."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_KANJI = r"[\u4e00-\u9fff\u3400-\u4dbf々〆]"

# Any of these anywhere in a sentence makes it polite, so a plain-form ending after them
# ("ご注文ありがとうございます、明日発送" and the like) is left alone.
_POLITE = re.compile(
    r"です|でした|でしょう|ます|ました|ましょう|まして|ません|ませ(?![るれろたてば])|ください|下さい"
)
# A polite stem before よ/ね/けど keeps the sentence polite: 〜ですね, 〜ますよ, 〜くださいね.
_POLITE_STEM = re.compile(
    r"(?:です|でした|でしょう|ます|ました|ません|ましょう|ください|下さい|ませ)\Z"
)

_SENTENCE_END = "。．！？!?\n"
_CLOSING = {"）": "（", ")": "(", "」": "「", "』": "『", "】": "【", "］": "［", "]": "["}
# Trailing decoration that says nothing about the register: 〜, ー (だよー), 笑, ｗ.
_DECORATION = "ー〜～ｗwＷW笑"
# Notes and list items (※…を除く, 2. 注文履歴を選ぶ) are written in plain form in polite text too.
_NOTE_OR_STEP = re.compile(r"(?:[※・\-*•＊]|[①-⑳]|\d+[.．)）、]|[（(]\d+[)）])")
_HEADING_MARKS = ("■", "□", "●", "○", "◆", "◇", "▼", "▽", "▶", "►", "【", "#")
# Kana words that happen to end like a particle or a verb.
_KANA_WORDS = ("ほね", "たね", "まね", "むね", "はね", "ふね", "やね", "みね", "しわ", "どうぞ")

# Connectives that end headings ("お届けについて"), and adverbs ending in て.
_NOT_TE_FORM = re.compile(
    r"(?:について|として|に関して|に対して|によって|にとって|をもって|にわたって|に際して|において"
    r"|にかけて|を通して|に応じて|に加えて|を除いて|に沿って|に従って|に基づいて|に向けて|に先立って"
    r"|初めて|はじめて|改めて|あらためて|極めて|きわめて|決して|そして|かつて|すべて|全て|併せて"
    r"|あわせて|合わせて|あえて|敢えて)\Z"
)
# Not verbs though they end like one: counters (一つ, 1回ずつ) and adjectives (近く, 美しく).
_NOT_VERB = re.compile(
    r"(?:[一二三四五六七八九十幾]つ|ずつ|しく"
    r"|[近多遠早速強弱良長短高安低古広狭深浅軽重薄厚細太暗明甘辛熱寒暑冷]く)\Z"
)


@dataclass(frozen=True, slots=True)
class CasualSentence:
    sentence: str
    ending: str  # the casual ending as written, e.g. "だよ"
    suggestion: str  # the polite form to try, e.g. "〜です"


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]  # matched at the end of the sentence; group "e" is the ending
    suggestion: str


def _rule(pattern: str, suggestion: str) -> _Rule:
    return _Rule(re.compile(rf"(?P<e>{pattern})\Z"), suggestion)


# Casual whatever else the sentence says. The first rule that matches names the ending.
_CASUAL = (
    _rule("じゃん", "〜ですね / 〜です"),
    _rule("っす", "〜です"),
    _rule(".?(?:ちゃ|じゃ)(?:う|った)", "〜てしまいます / 〜てしまいました"),
    _rule("だろう?", "〜でしょう"),
    _rule("でしょ", "〜でしょう / 〜ですね"),
    _rule("かな", "〜でしょうか"),
    _rule("ちょうだい|くれ|しろ", "〜てください"),
    _rule(".?[てで]ね", "〜てください"),
    _rule("(?<!どう)(?<!な)ぞ|(?<![なか])ぜ", "〜です / 〜ます"),
    _rule("だった", "〜でした"),
    _rule("(?<![また])だ", "〜です"),
    _rule("[だるたいうくん]から", "〜ですから / 〜ますので"),
    _rule("[だかよるいた]な", "〜ですね"),
    _rule("[だよるた]わ", "〜です / 〜ます"),
)
_PARTICLES = ("けれど", "けど", "よね", "よ", "ね")  # longest first
# Plain forms: casual only in a sentence with no polite form anywhere.
_PLAIN = (
    _rule("ありがとう", "ありがとうございます"),
    _rule("おはよう", "おはようございます"),
    _rule("ない", "〜ません"),
    _rule("たい", "〜たいです"),
    _rule(".?(?:しい|いい|よい)", "〜です"),
    _rule("[だるたいうくん]か|[るたんな]の", "〜ますか / 〜でしょうか"),
    _rule("[しけべめれせてねえきぎちびみりげじ]よう|ろう", "〜ましょう"),
    _rule("[っんいしえけせべめれきじちみりげね]て|[んい]で", "〜てください"),
    _rule(f"(?<!あ)[っいしれべめけせてねえきぎちびみりげじで]た|{_KANJI}た", "〜ました"),
    _rule(".?る", "〜ます"),
    _rule("(?:もら|しま|い|あ|つか|はら)う", "〜ます"),
    _rule(f"{_KANJI}[\u3041-\u3096]?[うくすつぬむぶぐ]", "〜ます"),
)


def sentences(text: str) -> list[str]:
    """Split after 。！？!? and newlines, and at a space after an emoji or a symbol
    ("無料です🎁 ラッピングは…"), which ends a sentence in chat."""
    out: list[str] = []
    start = 0
    for i, char in enumerate(text):
        after_symbol = char.isspace() and i > 0 and unicodedata.category(text[i - 1])[0] in "SMC"
        if char in _SENTENCE_END or after_symbol:
            out.append(text[start : i + 1].strip())
            start = i + 1
    out.append(text[start:].strip())
    return [s for s in out if s]


def _core(sentence: str) -> str:
    """The sentence up to its last word: without punctuation, emoji, decoration and a closing
    parenthetical ("お届けします（離島は除く）" is judged on お届けします)."""
    core = sentence
    while core:
        last = core[-1]
        if last in _CLOSING:
            opening = core.rfind(_CLOSING[last])
            if opening < 0:
                core = core[:-1]
            elif core[:opening].strip():
                core = core[:opening]
            else:  # the whole sentence is in brackets: judge what is inside
                core = core[opening + 1 : -1]
        elif last in _DECORATION or unicodedata.category(last)[0] in "PSZCM":
            core = core[:-1]
        else:
            break
    return core


def _particle(core: str) -> CasualSentence | None:
    """〜よ, 〜ね, 〜けど after anything but a polite form: 〜なるよ, 〜だね, 550円よ."""
    for particle in _PARTICLES:
        if core.endswith(particle):
            stem = core[: -len(particle)]
            if not stem or _POLITE_STEM.search(stem):
                return None
            return CasualSentence(core, stem[-1] + particle, "〜です / 〜ます")
    return None


def casual_ending(sentence: str) -> CasualSentence | None:
    """The casual ending of one sentence, or None when it ends politely or cannot be read."""
    if sentence.lstrip().startswith(_HEADING_MARKS):
        return None
    core = _core(sentence)
    # Ending in kanji, katakana, a number or Latin: a noun (体言止め), a heading, a time.
    if not core or not _HIRAGANA.fullmatch(core[-1]) or core.endswith(_KANA_WORDS):
        return None
    hit = _first_match(_CASUAL, sentence, core) or _particle(core)
    if hit is not None:
        return CasualSentence(sentence, hit.ending, hit.suggestion)
    if (
        _POLITE.search(sentence)
        or _NOTE_OR_STEP.match(sentence)
        or _NOT_VERB.search(core)
        or _NOT_TE_FORM.search(core)
    ):
        return None
    return _first_match(_PLAIN, sentence, core)


def _first_match(rules: tuple[_Rule, ...], sentence: str, core: str) -> CasualSentence | None:
    for rule in rules:
        match = rule.pattern.search(core)
        if match is not None:
            return CasualSentence(sentence, match.group("e"), rule.suggestion)
    return None


def casual_sentences(text: str) -> list[CasualSentence]:
    """Every sentence of `text` that ends casually, in order."""
    return [hit for s in sentences(text) if (hit := casual_ending(s)) is not None]


# Apologies a shop does not make to a customer: 申し訳ございません is the form to use.
_CASUAL_APOLOGY = re.compile(
    r"ごめんなさい|ごめんね|ごめん|すみません|すいません|済みません|悪かった"
)
_HUMBLE_APOLOGY = re.compile(r"申し訳(?:ござい|あり)ません|お詫び|おわび")


def casual_apologies(text: str) -> list[str]:
    """The casual apologies in `text`, each once, unless it also apologises humbly."""
    normalised = unicodedata.normalize("NFKC", text)
    if _HUMBLE_APOLOGY.search(normalised):
        return []
    return list(dict.fromkeys(m.group(0) for m in _CASUAL_APOLOGY.finditer(normalised)))
