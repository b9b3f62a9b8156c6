"""Quick replies as the Send API takes them: at most 13, titles at most 20 characters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from connectors.meta.quick_replies import QuickReply, quick_replies_body


def test_scores_one_to_five() -> None:
    body = quick_replies_body([QuickReply(str(n), f"CSAT:{n}") for n in range(1, 6)])
    assert body[0] == {"content_type": "text", "title": "1", "payload": "CSAT:1"}
    assert [b["title"] for b in body] == ["1", "2", "3", "4", "5"]


def test_long_titles_are_shortened_and_extra_options_dropped() -> None:
    options = [QuickReply(f"option number {n} with a long title", f"P{n}") for n in range(20)]
    body = quick_replies_body(options)
    assert len(body) == 13
    assert body[0]["title"] == "option number 0 wit…" and len(body[0]["title"]) == 20


@given(
    st.lists(st.tuples(st.text(max_size=60), st.text(max_size=2000)), max_size=30),
)
def test_whatever_the_options_the_platform_limits_hold(options: list[tuple[str, str]]) -> None:
    body = quick_replies_body([QuickReply(title, payload) for title, payload in options])
    assert len(body) <= 13
    assert all(0 < len(b["title"]) <= 20 and len(b["payload"]) <= 1000 for b in body)
