"""Instagram's message limits (Messenger Platform path).

Meta's pages disagree ("1000 bytes or less" vs "less than 1000 characters"); the byte limit is
the stricter reading, so it is the one enforced.
"""

from __future__ import annotations

from connectors.text import split_text, utf8_length

MAX_TEXT_BYTES = 1000
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20


def split_for_instagram(text: str) -> list[str]:
    """Parts of at most 1,000 UTF-8 bytes, on sentence boundaries, never inside a character."""
    return split_text(text, MAX_TEXT_BYTES, utf8_length)
