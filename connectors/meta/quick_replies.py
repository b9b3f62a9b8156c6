"""Quick replies on Messenger and Instagram: at most 13, titles at most 20 characters. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_QUICK_REPLIES = 13
MAX_TITLE_CHARS = 20
MAX_PAYLOAD_CHARS = 1000


@dataclass(frozen=True, slots=True)
class QuickReply:
    title: str  # what the customer taps; it comes back as the message's text
    payload: str  # comes back as `quick_reply.payload`


def quick_replies_body(options: Sequence[QuickReply]) -> list[dict[str, Any]]:
    """The Send API's `message.quick_replies`. Options past the 13th are dropped and long titles
    shortened (with an ellipsis), since the platform refuses the whole message otherwise."""
    body = []
    for option in options[:MAX_QUICK_REPLIES]:
        title = option.title.strip()
        if len(title) > MAX_TITLE_CHARS:
            title = title[: MAX_TITLE_CHARS - 1] + "…"
        if not title:
            continue
        body.append(
            {"content_type": "text", "title": title, "payload": option.payload[:MAX_PAYLOAD_CHARS]}
        )
    return body
