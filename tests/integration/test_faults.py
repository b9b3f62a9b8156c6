"""The platforms fail for a while (Meta 5xx and code 2, X 429 and 503): every reply still
arrives, exactly once, and in order per conversation."""

from __future__ import annotations

from collections import Counter

from agent import redis_keys
from tests.conftest import IG_ACCOUNT_ID
from tests.integration.conftest import Harness
from tests.integration.helpers import message_event, x_event


async def test_every_reply_arrives_exactly_once_through_platform_failures(harness: Harness) -> None:
    await harness.fake.post("/_fake/failures", json={"count": 6, "status": 500, "code": 2})
    await harness.fake.post("/_fake/failures", json={"count": 4, "status": 400, "code": 613})
    await harness.fake.post("/_fake/x/failures", json={"count": 3, "status": 429, "reset_in_s": 0})
    await harness.fake.post("/_fake/x/failures", json={"count": 3, "status": 503})
    expected = []
    for n in range(10):
        psid = str(9200000000000000 + n % 3)
        await harness.deliver(message_event(f"m_{n}", f"messenger {psid} {n}", psid=psid))
        ig = message_event(f"ig_{n}", f"instagram {psid} {n}", psid=psid)
        ig["recipient"] = {"id": IG_ACCOUNT_ID}
        await harness.deliver(ig, channel="instagram")
        await harness.deliver(x_event(f"x_{n}", f"x {psid} {n}", sender=psid), channel="x")
        expected += [f"echo: {c} {psid} {n}" for c in ("messenger", "instagram", "x")]

    for _ in range(200):
        await harness.worker.run_once()
        if not await harness.runtime.redis.xlen(redis_keys.INBOUND_STREAM):
            break
    replies = await harness.sent_texts()
    assert Counter(replies) == Counter(expected)
    for channel in ("messenger", "instagram", "x"):
        for n in range(3):
            psid = str(9200000000000000 + n)
            mine = [r for r in replies if r.startswith(f"echo: {channel} {psid} ")]
            assert mine == sorted(mine, key=lambda r: int(r.rsplit(" ", 1)[1]))
