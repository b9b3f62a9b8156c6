"""End-to-end latency and throughput, next to bare Rasa with the default `rasa init` pipeline.

    make bench          (or: .venv-app/bin/python -m scripts.bench [--turns 100] [--clients 8])

One run on one machine measures:
  * bare Rasa: its REST channel, default `rasa init` project and pipeline (in-memory tracker);
  * this product: signed webhook into the app → reply received by the fake Messenger platform
    (the fake's own receive time), through Redis, the worker, Rasa and the NLG endpoint;
for (a) sequential single messages, (b) 8 concurrent customers (closed loop), and (c) latency at
turns 1–20 vs 81–100 of one long conversation. It also reports the resident memory of each process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from connectors.fakes.meta_payloads import encode_like_meta, page_webhook, text_message_event
from connectors.meta.verify import sign_sha256
from scripts.stack import RASA_BIN, ROOT, Stack, free_port

BASELINE_DIR = ROOT / "models" / "baseline"

QUESTIONS = [
    "how long does shipping take?",
    "送料はいくらですか？",
    "do you ship overseas",
    "返品したいのですが",
    "can i pay with paypay",
    "定期便をスキップしたい",
    "how do i use the serum",
    "ギフトラッピングできますか",
]
# The default `rasa init` bot understands greetings and moods; ask it those.
BASELINE_QUESTIONS = ["hello", "I am sad", "yes", "goodbye", "hi there", "great", "no", "bye"]

Send = Callable[[str, str], Awaitable[float]]  # (conversation id, text) -> seconds


@dataclass
class Figures:
    p50_ms: float
    p95_ms: float
    n: int

    @classmethod
    def of(cls, seconds: list[float]) -> Figures:
        ms = sorted(s * 1000 for s in seconds)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        return cls(statistics.median(ms), p95, len(ms))


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return float("nan")


# --- bare Rasa --------------------------------------------------------------------------------


def baseline_model() -> Path:
    """Train `rasa init`'s project once (cached under models/baseline)."""
    model = BASELINE_DIR / "models" / "baseline.tar.gz"
    if model.exists():
        return model
    shutil.rmtree(BASELINE_DIR, ignore_errors=True)
    BASELINE_DIR.mkdir(parents=True)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    print("training the default `rasa init` project for the baseline (about a minute)...")
    subprocess.run(
        [str(RASA_BIN), "init", "--no-prompt", "--init-dir", str(BASELINE_DIR)],
        check=True,
        env=env,
        capture_output=True,
    )
    subprocess.run(
        [str(RASA_BIN), "train", "--fixed-model-name", "baseline", "--quiet"],
        cwd=BASELINE_DIR,
        check=True,
        env=env,
        capture_output=True,
    )
    return model


def start_bare_rasa(port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen(
        [
            str(RASA_BIN),
            "run",
            "--enable-api",
            "--model",
            str(baseline_model()),
            "-i",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=BASELINE_DIR,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/status", timeout=2).json().get("model_file"):
                return proc
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError("bare Rasa did not start")


def bare_rasa_sender(client: httpx.AsyncClient, port: int) -> Send:
    async def send(conversation: str, text: str) -> float:
        start = time.perf_counter()
        response = await client.post(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            json={"sender": conversation, "message": text},
        )
        response.raise_for_status()
        return time.perf_counter() - start

    return send


# --- this product, end to end -----------------------------------------------------------------


def product_sender(client: httpx.AsyncClient, stack: Stack) -> Send:
    page = stack.secrets.page_id
    counts: dict[str, int] = {}

    async def send(conversation: str, text: str) -> float:
        psid = conversation
        now_ms = int(time.time() * 1000)
        mid = f"m_bench_{psid}_{counts.get(psid, 0)}_{now_ms}"
        payload = page_webhook(
            page,
            [text_message_event(page_id=page, psid=psid, mid=mid, text=text, timestamp_ms=now_ms)],
            now_ms,
        )
        await client.post(f"{stack.fake_url}/_fake/register", json=payload)
        body = encode_like_meta(payload)
        expected = counts.get(psid, 0) + 1
        start_wall = time.time()
        response = await client.post(
            f"{stack.app_url}/webhooks/messenger",
            content=body,
            headers={
                "X-Hub-Signature-256": sign_sha256(stack.secrets.app_secret, body),
                "Content-Type": "application/json",
            },
        )
        response.raise_for_status()
        thread = (
            await client.get(
                f"{stack.fake_url}/_fake/threads/{psid}",
                params={"min_out": expected, "wait_s": 30},
            )
        ).json()
        out = [item for item in thread if item["direction"] == "out"]
        if len(out) < expected:
            raise TimeoutError(f"no reply for {psid} turn {expected}")
        counts[psid] = len(out)
        return out[expected - 1]["timestamp_ms"] / 1000 - start_wall

    return send


# --- scenarios --------------------------------------------------------------------------------


async def sequential(send: Send, questions: list[str], n: int, prefix: str) -> list[float]:
    # Short conversations (5 turns), as customers write.
    return [await send(f"{prefix}{i // 5}", questions[i % len(questions)]) for i in range(n)]


async def concurrent(
    send: Send, questions: list[str], clients: int, turns: int, prefix: str
) -> tuple[list[float], float, int]:
    """`clients` customers each write `turns` messages, waiting for each reply."""
    lost = 0

    async def customer(c: int) -> list[float]:
        nonlocal lost
        out = []
        for t in range(turns):
            try:
                out.append(await send(f"{prefix}{c}", questions[(c + t) % len(questions)]))
            except (TimeoutError, httpx.HTTPError):
                lost += 1
        return out

    start = time.perf_counter()
    results = await asyncio.gather(*(customer(c) for c in range(clients)))
    elapsed = time.perf_counter() - start
    latencies = [x for r in results for x in r]
    return latencies, len(latencies) / elapsed, lost


async def long_conversation(
    send: Send, questions: list[str], turns: int, conversation: str
) -> list[float]:
    return [await send(conversation, questions[t % len(questions)]) for t in range(turns)]


def row(name: str, f: Figures) -> str:
    return f"| {name:<50} | {f.p50_ms:8.1f} | {f.p95_ms:8.1f} | {f.n:>5} |"


async def measure(send: Send, questions: list[str], args: argparse.Namespace, tag: str) -> dict:
    await send(f"{tag}-warm", questions[0])
    seq = await sequential(send, questions, args.sequential, f"{tag}-seq-")
    conc, rate, lost = await concurrent(send, questions, args.clients, args.per_client, f"{tag}-c-")
    long = await long_conversation(send, questions, args.turns, f"{tag}-long")
    return {
        "seq": Figures.of(seq),
        "conc": Figures.of(conc),
        "rate": rate,
        "lost": lost,
        "early": Figures.of(long[:20]),
        "late": Figures.of(long[-20:]),
        "sent": args.clients * args.per_client,
    }


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        port = free_port()
        bare = start_bare_rasa(port, run_dir / "bare-rasa.log")
        try:
            async with httpx.AsyncClient(timeout=60) as client:
                # Numeric sender ids so the same ids work for both systems.
                base = await measure(bare_rasa_sender(client, port), BASELINE_QUESTIONS, args, "b")
            base_rss = rss_mb(bare.pid)
        finally:
            bare.terminate()
            bare.wait(30)

        stack = Stack.ephemeral(run_dir)
        try:
            stack.start_all()
            async with httpx.AsyncClient(timeout=60) as client:
                ours = await measure(_numeric(product_sender(client, stack)), QUESTIONS, args, "p")
            rss = {name: rss_mb(proc.pid) for name, proc in stack.procs.items()}
        finally:
            stack.stop_all()

    print(
        f"\nmachine: {os.cpu_count()} cores; {args.sequential} sequential messages, "
        f"{args.clients} concurrent customers x {args.per_client} turns, one {args.turns}-turn "
        "conversation\n"
    )
    print(f"| {'scenario':<50} | p50 (ms) | p95 (ms) |     n |")
    print(f"|{'-' * 52}|----------|----------|-------|")
    print(row("bare Rasa REST, sequential", base["seq"]))
    print(row("end to end (webhook → fake platform), sequential", ours["seq"]))
    print(row(f"bare Rasa REST, {args.clients} concurrent", base["conc"]))
    print(row(f"end to end, {args.clients} concurrent customers", ours["conc"]))
    print(row("bare Rasa REST, turns 1–20", base["early"]))
    print(row(f"bare Rasa REST, turns {args.turns - 19}–{args.turns}", base["late"]))
    print(row("end to end, turns 1–20", ours["early"]))
    print(row(f"end to end, turns {args.turns - 19}–{args.turns}", ours["late"]))
    print()
    print(
        f"throughput, {args.clients} concurrent: bare Rasa {base['rate']:.1f} msg/s, "
        f"end to end {ours['rate']:.1f} msg/s; lost: {ours['lost']} of {ours['sent']}"
    )
    print(
        f"e2e p50 / bare Rasa p50 (sequential): {ours['seq'].p50_ms / base['seq'].p50_ms:.2f}x; "
        f"turn {args.turns - 19}–{args.turns} / turn 1–20 p50: "
        f"end to end {ours['late'].p50_ms / ours['early'].p50_ms:.2f}x, "
        f"bare Rasa {base['late'].p50_ms / base['early'].p50_ms:.2f}x"
    )
    print(
        f"RSS (MB): bare Rasa {base_rss:.0f}; "
        + ", ".join(f"{name} {mb:.0f}" for name, mb in rss.items())
    )


def _numeric(send: Send) -> Send:
    """PSIDs are digits: map the scenario's conversation names to stable numeric ids."""
    ids: dict[str, str] = {}

    async def wrapped(conversation: str, text: str) -> float:
        psid = ids.setdefault(conversation, str(7300000000000000 + len(ids)))
        return await send(psid, text)

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--turns", type=int, default=100)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
