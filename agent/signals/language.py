"""Language of a customer message: Japanese or English (the brand answers in one of the two)."""

from __future__ import annotations

import re
from enum import StrEnum

# Hiragana, katakana (full and half width) and CJK ideographs.
_KANA = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\uff66-\uff9f]")
_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class Language(StrEnum):
    JA = "ja"
    EN = "en"


def detect_language(text: str, *, previous: str | None = None) -> Language:
    """Kana means Japanese; kanji without kana counts as Japanese unless Latin words dominate.

    Text with no letters at all (an emoji, a number) keeps the conversation's previous language.
    """
    kana = len(_KANA.findall(text))
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    if kana:
        return Language.JA
    if cjk and cjk >= latin:
        return Language.JA
    if latin:
        return Language.EN
    if previous in (Language.JA, Language.EN):
        return Language(previous)
    return Language.EN
