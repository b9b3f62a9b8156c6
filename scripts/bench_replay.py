"""Replay throughput on the whole stack (private Redis, fake platforms, Rasa trained from this
repo, the app and one worker; SQLite): customer messages on Messenger, Instagram and X, each
delivered three times, all deliveries shuffled and posted as fast as the app takes them.
Prints how long the deliveries and the answers took, messages answered per second, and any
message answered twice, never answered, or answered out of the order it was written.

    .venv-app/bin/python -m scripts.bench_replay [--messages 1000] [--customers 60]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from connectors.fakes.meta_payloads import encode_like_meta, page_webhook, text_message_event
from connectors.fakes.x_api import dm_event, x_webhook
from connectors.meta.verify import sign_sha256
from connectors.x.verify import SIGNATURE_HEADER, sign
from scripts.bench import rss_mb
from scripts.stack import Stack

CHANNELS = ("messenger", "instagram", "x")
COPIES = 3
SENDERS = 8


def delivery(stack: Stack, channel: str, customer: str, n: int, stamp: int) -> dict[str, Any]:
    """One webhook carrying message n, as the platform would sign it."""
    s = stack.secrets
    text = f"what are your opening hours? ({channel} {customer} #{n})"
    if channel == "x":
        event = dm_event(
            event_id=f"replay-{customer}-{n}",
            sender=customer,
            recipient=s.x_user_id,
            text=text,
            now_ms=stamp,
        )
        raw = httpx.Request(
            "POST", "/", json=x_webhook(s.x_user_id, [event], activity_api=False)
        ).content
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(s.x_consumer_secret, raw),
        }
        return {"channel": channel, "body": raw, "headers": headers, "text": text}
    account = s.page_id if channel == "messenger" else s.instagram_account_id
    event = text_message_event(
        page_id=account,
        psid=customer,
        mid=f"m_replay_{customer}_{n}",
        text=text,
        timestamp_ms=stamp,
    )
    payload = page_webhook(account, [event], stamp)
    if channel == "instagram":
        payload["object"] = "instagram"
    raw = encode_like_meta(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign_sha256(s.app_secret, raw),
    }
    return {"channel": channel, "body": raw, "headers": headers, "text": text, "payload": payload}


async def replay(stack: Stack, messages: int, customers: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    written_at = int(time.time() * 1000) - 60_000
    plan = []
    for n in range(messages):
        channel = CHANNELS[n % 3]
        customer = str(8200000000000000 + (n // 3) % max(1, customers // 3) * 3 + n % 3)
        plan.append((channel, customer, n, written_at + n * 10))
    deliveries = [delivery(stack, *item) for item in plan for _ in range(COPIES)]
    rng.shuffle(deliveries)
    async with httpx.AsyncClient(timeout=30) as client:
        # The fake Send API answers only customers who wrote: tell it who they are first.
        for item in deliveries:
            if "payload" in item:
                await client.post(f"{stack.fake_url}/_fake/register", json=item["payload"])
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for item in deliveries:
            queue.put_nowait(item)
        refused = 0

        async def sender() -> None:
            nonlocal refused
            while not queue.empty():
                item = queue.get_nowait()
                response = await client.post(
                    f"{stack.app_url}/webhooks/{item['channel']}",
                    content=item["body"],
                    headers=item["headers"],
                )
                refused += response.status_code != 200

        begin = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(SENDERS)))
        delivered_s = time.perf_counter() - begin
        db = sqlite3.connect(stack.database_url.removeprefix("sqlite:///"))
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            answered, pending = db.execute(_PROGRESS).fetchone()
            if answered >= messages and pending == 0:
                break
            await asyncio.sleep(0.5)
        answered_s = time.perf_counter() - begin
        fake_sent = len((await client.get(f"{stack.fake_url}/_fake/sent")).json())
    inbound, answered = db.execute(_ANSWERED).fetchone()
    (db_sent,) = db.execute(_SENT).fetchone()
    order: dict[int, list[int]] = defaultdict(list)
    for conversation, stamp in db.execute(_REPLY_ORDER):
        if not order[conversation] or order[conversation][-1] != stamp:
            order[conversation].append(stamp)
    db.close()
    return {
        "messages": messages,
        "deliveries": len(deliveries),
        "refused": refused,
        "delivered_s": delivered_s,
        "answered_s": answered_s,
        "stored": inbound,
        "lost": messages - answered,
        "twice": max(0, fake_sent - db_sent),
        "out_of_order": sum(1 for stamps in order.values() if stamps != sorted(stamps)),
        "conversations": len(order),
    }


_PROGRESS = """
SELECT (SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'answered'),
       (SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'pending')
"""
_ANSWERED = """
SELECT count(*), sum(status = 'answered') FROM messages WHERE direction = 'inbound'
"""
_SENT = "SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'sent'"
# Each conversation's replies in the order the platform accepted them, with the timestamp of
# the message each one answers.
_REPLY_ORDER = """
SELECT reply.conversation_id, question.platform_timestamp_ms
FROM messages AS reply JOIN messages AS question ON question.id = reply.reply_to_id
WHERE reply.direction = 'outbound' AND reply.status = 'sent'
ORDER BY reply.conversation_id, reply.sent_at, reply.id
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack.ephemeral(Path(tmp))
        try:
            stack.start_all()
            result = asyncio.run(replay(stack, args.messages, args.customers, args.seed))
            rss = {name: rss_mb(proc.pid) for name, proc in stack.procs.items()}
        finally:
            stack.stop_all()
    print(
        f"{result['messages']} messages in {result['deliveries']} shuffled deliveries "
        f"({COPIES} copies each, {result['conversations']} conversations, 3 channels):\n"
        f"  deliveries acknowledged in {result['delivered_s']:.1f} s "
        f"({result['deliveries'] / result['delivered_s']:.0f}/s), refused {result['refused']}\n"
        f"  every message answered after {result['answered_s']:.1f} s: "
        f"{result['messages'] / result['answered_s']:.1f} messages/s end to end\n"
        f"  stored {result['stored']}, lost {result['lost']}, answered twice {result['twice']}, "
        f"conversations answered out of order {result['out_of_order']}\n"
        f"  RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items())
    )


if __name__ == "__main__":
    main()
