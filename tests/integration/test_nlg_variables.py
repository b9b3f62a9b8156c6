"""The NLG endpoint fills a response's variables from the slots and the action's values, in
the customer's language."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from agent.app import create_app
from agent.settings import Settings
from tests.integration.helpers import app_client


def nlg_request(language: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "response": "utter_order_status_shipped",
        "arguments": arguments or {},
        "tracker": {
            "latest_message": {"text": "TB-240392", "metadata": {"language": language}},
            "slots": {
                "language": language,
                "order_number": "TB-240392",
                "order_carrier": "ヤマト運輸" if language == "ja" else "Yamato Transport",
                "order_tracking_number": "4921-3390-1264",
                "order_proof": None,
            },
        },
        "channel": {"name": "rest"},
    }


async def test_an_order_reply_is_filled_from_the_slots(settings: Settings, redis: Redis) -> None:
    async with app_client(create_app(settings)) as client:
        ja = (await client.post("/nlg", json=nlg_request("ja"))).json()["text"]
        en = (await client.post("/nlg", json=nlg_request("en"))).json()["text"]
    assert "TB-240392" in ja and "ヤマト運輸" in ja and "4921-3390-1264" in ja
    assert "TB-240392" in en and "Yamato Transport" in en and "4921-3390-1264" in en
    assert "{" not in ja + en


async def test_values_passed_by_an_action_win_over_slots(settings: Settings, redis: Redis) -> None:
    request = nlg_request("en", {"order_number": "TB-240118", "template": "x", "buttons": []})
    async with app_client(create_app(settings)) as client:
        text = (await client.post("/nlg", json=request)).json()["text"]
    assert "TB-240118" in text and "TB-240392" not in text
