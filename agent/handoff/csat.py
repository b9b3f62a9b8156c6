"""Reading a customer's 1-5 satisfaction score from their reply. Pure."""

from __future__ import annotations

import re
import unicodedata

# Only a reply that is a score and nothing else counts: "4", "４", "5/5", "4 stars", "3点",
# "★★★★". Anything longer is a new message for the bot, not a rating.
_NUMBER = re.compile(r"^([1-5])\s*(?:/\s*5)?\s*(?:stars?|点|つ星)?\s*[!.。！]*$")
_STARS = re.compile(r"^[★⭐]{1,5}$")


CSAT_PAYLOAD_PREFIX = "CSAT:"


def score_options() -> list[tuple[str, str]]:
    """The quick replies under the question: (title, payload), 1 to 5."""
    return [(str(n), f"{CSAT_PAYLOAD_PREFIX}{n}") for n in range(1, 6)]


def parse_score(payload: str, text: str) -> int | None:
    """A tapped quick reply's payload, or a typed score."""
    if payload.startswith(CSAT_PAYLOAD_PREFIX):
        value = payload.removeprefix(CSAT_PAYLOAD_PREFIX)
        return int(value) if value in {"1", "2", "3", "4", "5"} else None
    return parse_text_score(text)


def parse_text_score(text: str) -> int | None:
    normalised = unicodedata.normalize("NFKC", text).strip().lower()
    normalised = normalised.replace("\ufe0f", "")  # emoji presentation selector after ⭐
    match = _NUMBER.match(normalised)
    if match:
        return int(match.group(1))
    compact = normalised.replace(" ", "")
    if _STARS.match(compact):
        return len(compact)
    return None
