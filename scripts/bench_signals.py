"""Cost of the signals: time per message (language, sentiment, urgency; Rasa's parse excluded,
it is Rasa's own cost) one message at a time as the worker computes them, and the process's
memory with the model loaded.

    .venv-app/bin/python -m scripts.bench_signals [--n 500]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time

from agent.signals.analyzer import Analyzer
from agent.signals.data import labelled_dms
from agent.signals.loader import cached_model
from agent.signals.person_requests import load_person_requests
from agent.signals.rules import load_rules


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(n: int) -> None:
    before = rss_mb()
    started = time.perf_counter()
    model = cached_model()
    load_s = time.perf_counter() - started
    analyzer = Analyzer(
        model=model,
        rules=load_rules(),
        intents=None,
        faq_min_confidence=0.5,
        person_requests=load_person_requests(),
    )
    texts = [row["text"] for row in labelled_dms("test")]
    for text in texts[:20]:  # warm-up
        await analyzer.judge(text)
    times = []
    for i in range(n):
        text = texts[i % len(texts)]
        t0 = time.perf_counter()
        await analyzer.judge(text)
        times.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    await analyzer.judge_many(texts[:100])
    batch_ms = (time.perf_counter() - t0) * 1000 / 100
    times.sort()
    print(
        f"signals per message, one at a time ({n} DMs, ja and en): "
        f"p50 {statistics.median(times):.1f} ms, p95 {times[int(0.95 * (n - 1))]:.1f} ms, "
        f"max {times[-1]:.1f} ms; in a batch of 100: {batch_ms:.1f} ms per message"
    )
    print(
        f"model load {load_s:.1f} s; RSS {before:.0f} MB before, {rss_mb():.0f} MB with the "
        f"model loaded"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    asyncio.run(measure(parser.parse_args().n))


if __name__ == "__main__":
    main()
