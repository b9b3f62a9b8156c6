"""The urgency rules on long messages: how long the rules take to read a message that repeats a
development text until it fills a platform's longest DM (Instagram 1,000 characters, Messenger
2,000, X 10,000) or the analyze API's limit (20,000), and how long the app's event loop is held
up while a batch of the slowest of them is analysed.

The texts: a sample of the urgency development set, and every text of it in which the words of
a pattern or guard that looks to the end of the message occur (`TailCondition`): repeated, those
were the slowest messages, their cost growing with the square of the length.

    .venv-app/bin/python -m scripts.bench_rules [--sample 250] [--batch 10]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

from agent.settings import DEFAULT_FAQ_MIN_CONFIDENCE
from agent.signals.analyzer import Analyzer
from agent.signals.data import DEV_URGENCY, read_jsonl
from agent.signals.loader import cached_model
from agent.signals.person_requests import load_person_requests
from agent.signals.rules import TailCondition, UrgencyRule, load_rules, normalise, read_rules
from agent.signals.types import UrgencyLevel

LENGTHS = (1_000, 2_000, 10_000, 20_000)


def filled(text: str, length: int) -> str:
    return ((text + " ") * (length // (len(text) + 1) + 1))[:length]


def with_long_looks(texts: list[str], rules: tuple[UrgencyRule, ...]) -> list[str]:
    tails = [
        p for rule in rules for p in rule.patterns + rule.ignore if isinstance(p, TailCondition)
    ]
    folded = [normalise(t) for t in texts]
    return [t for t, f in zip(texts, folded, strict=True) if any(p.words.search(f) for p in tails)]


def time_rules(texts: list[str], rules: tuple[UrgencyRule, ...]) -> list[tuple[float, str]]:
    """Milliseconds per text, the most work the rules do: critical rules a guard silenced are
    looked for too."""
    out = []
    for text in texts:
        started = time.perf_counter()
        read_rules(text, rules, language="ja", silenced_level=UrgencyLevel.CRITICAL)
        out.append(((time.perf_counter() - started) * 1000, text))
    return sorted(out, reverse=True)


async def loop_stall(analyzer: Analyzer, texts: list[str]) -> tuple[float, float]:
    """The longest the event loop went without running a task while `texts` were judged in one
    batch, and how long the batch took (ms)."""
    longest = 0.0
    done = False

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await analyzer.judge_many(texts)
    took = time.perf_counter() - started
    done = True
    await ticker
    return longest * 1000, took * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=250)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    rules = load_rules()
    dev = [row["text"] for row in read_jsonl(DEV_URGENCY)]
    sample = random.Random(7).sample(dev, min(args.sample, len(dev)))
    sample += [t for t in with_long_looks(dev, rules) if t not in sample]
    slowest: list[str] = []
    for length in LENGTHS:
        timed = time_rules([filled(t, length) for t in sample], rules)
        times = sorted(ms for ms, _ in timed)
        worst_ms, worst = timed[0]
        print(
            f"{length:>6} characters ({len(times)} messages): p50 {statistics.median(times):.1f} "
            f"ms, p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms, max {worst_ms:.1f} ms "
            f"({worst[:40]!r}…)"
        )
        slowest = [text for _, text in timed[: args.batch]]
    analyzer = Analyzer(
        model=cached_model(),
        rules=rules,
        intents=None,
        faq_min_confidence=DEFAULT_FAQ_MIN_CONFIDENCE,
        person_requests=load_person_requests(),
    )
    stall, took = asyncio.run(loop_stall(analyzer, slowest))
    print(
        f"a batch of the {len(slowest)} slowest at {LENGTHS[-1]:,} characters: {took:.0f} ms; "
        f"longest wait of the event loop meanwhile: {stall:.1f} ms"
    )


if __name__ == "__main__":
    main()
