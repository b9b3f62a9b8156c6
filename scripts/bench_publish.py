"""How long a published FAQ answer takes to reach customers: an approver publishes on one app
process; another app process's NLG endpoint (what Rasa asks for every reply's text) is
polled until it serves the new answer. Real processes, real Redis and SQLite.

    .venv-app/bin/python -m scripts.bench_publish [--rounds 30]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from scripts.stack import Stack, free_port

KEY = "shipping_cost"
PASSWORD = "tsuyu-demo"


def login(base: str, email: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/console/login")
    _plain(client, page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no login form"
    response = client.post(
        "/console/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    _plain(client, response)
    csrf: str = client.get("/console/api/me").json()["csrf"]
    return client, csrf


def _plain(client: httpx.Client, response: httpx.Response) -> None:
    """The console's cookies are Secure (HTTPS only); this client talks plain HTTP to
    127.0.0.1, as a browser may, so it keeps them without the flag."""
    for name, value in response.cookies.items():
        client.cookies.set(name, value)


def nlg_request(language: str) -> dict[str, Any]:
    return {
        "response": f"utter_faq/{KEY}",
        "arguments": {},
        "tracker": {
            "sender_id": "bench",
            "slots": {"language": language},
            "latest_message": {
                "response_selector": {"faq": {"response": {"confidence": 0.99}}},
                "metadata": {"channel": "messenger", "language": language},
            },
            "events": [{"event": "bot", "text": "earlier"}],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as run_dir:
        stack = Stack.ephemeral(Path(run_dir))
        try:
            stack.start_redis()
            stack.migrate()
            app = stack.start_app()
            other = stack.start_app("app-2", free_port())
            run(app, other, args.rounds)
        finally:
            stack.stop_all()


def run(app: str, other: str, rounds: int) -> None:
    editor, editor_csrf = login(app, "sora@tsuyu.example")
    approver, approver_csrf = login(app, "grace@tsuyu.example")
    nlg = httpx.Client(base_url=other, timeout=10)
    current = editor.get(f"/console/studio/api/faq/{KEY}").json()["versions"][0]["content"]
    edit = {
        "questions": {
            lang: [q["text"] for q in current["questions"] if q["language"] == lang]
            for lang in ("en", "ja")
        },
        "answers": dict(current["answers"]),
        "variants": current["variants"],
        "quick_replies": current["quick_replies"],
    }
    base = current["answers"]["en"]
    approve_ms: list[float] = []
    visible_ms: list[float] = []
    polls: list[int] = []
    nlg.post("/nlg", json=nlg_request("en")).raise_for_status()  # warm the cache
    for n in range(rounds):
        marker = f"(rev {n})"
        edit["answers"]["en"] = f"{base} {marker}"
        editor.put(
            f"/console/studio/api/faq/{KEY}/draft",
            json=edit,
            headers={"x-csrf-token": editor_csrf},
        ).raise_for_status()
        editor.post(
            f"/console/studio/api/faq/{KEY}/submit", headers={"x-csrf-token": editor_csrf}
        ).raise_for_status()
        started = time.perf_counter()
        approver.post(
            f"/console/studio/api/faq/{KEY}/approve",
            json={},
            headers={"x-csrf-token": approver_csrf},
        ).raise_for_status()
        approved = time.perf_counter()
        count = 0
        while True:
            count += 1
            text = nlg.post("/nlg", json=nlg_request("en")).json()["text"]
            if marker in text:
                break
            if time.perf_counter() - approved > 10:
                raise SystemExit(f"round {n}: not served after 10 s")
        served = time.perf_counter()
        approve_ms.append((approved - started) * 1000)
        visible_ms.append((served - approved) * 1000)
        polls.append(count)
    report(approve_ms, visible_ms, polls)


def report(approve_ms: list[float], visible_ms: list[float], polls: list[int]) -> None:
    def q(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    print(f"rounds: {len(approve_ms)}")
    print(
        "approve request (publish, commit, generation bump): "
        f"p50 {statistics.median(approve_ms):.1f} ms, p95 {q(approve_ms, 0.95):.1f} ms"
    )
    print(
        "approve answered -> the other process's NLG serves the new text: "
        f"p50 {statistics.median(visible_ms):.1f} ms, p95 {q(visible_ms, 0.95):.1f} ms, "
        f"max {max(visible_ms):.1f} ms; first poll already new in "
        f"{sum(1 for c in polls if c == 1)}/{len(polls)} rounds"
    )


if __name__ == "__main__":
    main()
