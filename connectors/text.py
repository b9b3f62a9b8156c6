"""Splitting long replies to fit a platform's limit, on sentence boundaries when possible."""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends after . ! ? or their full-width forms, or a newline; the whitespace is kept
# with the preceding sentence so joining the parts gives back the text.
_SENTENCE = re.compile(r".+?(?:[.!?。！？…]+[\"')\]」』）]*\s*|\n+|$)", re.DOTALL)


def char_length(text: str) -> int:
    return len(text)


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int, measure: Callable[[str], int] = char_length) -> list[str]:
    """Split `text` into parts each with `measure(part) <= limit`.

    Sentences are kept whole where they fit; a sentence longer than the limit is cut at the
    last space that fits, else between characters (never inside a character).
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    if measure(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for sentence in _sentences(text):
        if measure(current + sentence) <= limit:
            current += sentence
            continue
        if current:
            parts.append(current)
        rest = sentence
        while measure(rest) > limit:
            head, rest = _cut(rest, limit, measure)
            parts.append(head)
        current = rest
    if current:
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _sentences(text: str) -> list[str]:
    return [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0)]


def _cut(sentence: str, limit: int, measure: Callable[[str], int]) -> tuple[str, str]:
    # Longest prefix that fits, by characters (so a multi-byte character is never split).
    lo, hi = 1, len(sentence)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(sentence[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    fit = lo
    space = sentence.rfind(" ", 0, fit)
    if space > fit // 2:
        fit = space + 1
    return sentence[:fit], sentence[fit:]
