"""Webhook acknowledgement under load: signed Messenger, Instagram and X webhooks sent at a fixed
rate (open loop, so a slow answer does not slow the sender), answered by the app with its real
Redis and SQLite. Nothing else runs: this measures the time to verify, store and queue.

    .venv-app/bin/python -m scripts.bench_webhooks [--rate 200] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from connectors.fakes.meta_payloads import encode_like_meta, page_webhook, text_message_event
from connectors.fakes.x_api import dm_event, x_webhook
from connectors.meta.verify import sign_sha256
from connectors.x.verify import SIGNATURE_HEADER, sign
from scripts.bench import rss_mb
from scripts.stack import Stack


def request_for(stack: Stack, n: int) -> tuple[str, bytes, dict[str, str]]:
    s = stack.secrets
    now = int(time.time() * 1000)
    customer = str(9300000000000000 + n % 500)
    channel = ("messenger", "instagram", "x")[n % 3]
    if channel == "x":
        event = dm_event(
            event_id=f"bench-{n}-{now}",
            sender=customer,
            recipient=s.x_user_id,
            text=f"message {n}",
            now_ms=now,
        )
        body = x_webhook(s.x_user_id, [event], activity_api=False)
        raw = httpx.Request("POST", "/", json=body).content
        return (
            channel,
            raw,
            {"Content-Type": "application/json", SIGNATURE_HEADER: sign(s.x_consumer_secret, raw)},
        )
    account = s.page_id if channel == "messenger" else s.instagram_account_id
    payload = page_webhook(
        account,
        [
            text_message_event(
                page_id=account,
                psid=customer,
                mid=f"m_bench_{n}_{now}",
                text=f"message {n}",
                timestamp_ms=now,
            )
        ],
        now,
    )
    if channel == "instagram":
        payload["object"] = "instagram"
    raw = encode_like_meta(payload)
    return (
        channel,
        raw,
        {"Content-Type": "application/json", "X-Hub-Signature-256": sign_sha256(s.app_secret, raw)},
    )


async def load(stack: Stack, rate: int, seconds: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:

        async def one(n: int) -> None:
            nonlocal errors
            channel, body, headers = request_for(stack, n)
            start = time.perf_counter()
            try:
                response = await client.post(
                    f"{stack.app_url}/webhooks/{channel}", content=body, headers=headers
                )
                ok = response.status_code == 200 and response.json()["accepted"] == 1
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

        tasks = []
        begin = time.perf_counter()
        for n in range(rate * seconds):
            await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack.ephemeral(Path(tmp))
        try:
            stack.start_redis()
            stack.migrate()
            stack.start_app()
            latencies, errors = asyncio.run(load(stack, args.rate, args.seconds))
            app_rss = rss_mb(stack.procs["app"].pid)
        finally:
            stack.stop_all()
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    print(
        f"{len(ms)} webhooks at {args.rate}/s for {args.seconds} s "
        f"(Messenger, Instagram and X in turn): p50 {statistics.median(ms):.1f} ms, "
        f"p99 {p99:.1f} ms, max {ms[-1]:.1f} ms, errors {errors}; app RSS {app_rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
