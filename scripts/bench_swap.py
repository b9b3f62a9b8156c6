"""What customers notice while a new model is loaded into the running Rasa: parse requests
every 50 ms while the model is loaded, once through the model swap channel
(rasa_addons/model_swap.py: loaded in a thread) and once through Rasa's own `PUT /model`.
Prints each load's duration and the slowest answers and errors during it.

    .venv-app/bin/python -m scripts.bench_swap [--loads 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from scripts.stack import MODEL, Stack


def _hammer(url: str, token: str, stop: threading.Event, out: list[tuple[float, bool]]) -> None:
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                ok = (
                    client.post(
                        f"{url}/model/parse", params={"token": token}, json={"text": "送料は？"}
                    ).status_code
                    == 200
                )
            except httpx.HTTPError:
                ok = False
            out.append((time.perf_counter() - started, ok))
            time.sleep(0.05)


def _measure(stack: Stack, how: str, loads: int) -> None:
    token = stack.secrets.rasa_token
    for n in range(loads):
        samples: list[tuple[float, bool]] = []
        stop = threading.Event()
        thread = threading.Thread(target=_hammer, args=(stack.rasa_url, token, stop, samples))
        thread.start()
        time.sleep(1.0)
        before = len(samples)
        started = time.perf_counter()
        if how == "swap channel":
            response = httpx.put(
                f"{stack.rasa_url}/webhooks/model_swap/load",
                headers={"Authorization": f"Bearer {token}"},
                json={"model_file": str(MODEL)},
                timeout=120,
            )
            assert response.status_code == 200, response.text
        else:
            response = httpx.put(
                f"{stack.rasa_url}/model",
                params={"token": token},
                json={"model_file": str(MODEL)},
                timeout=120,
            )
            assert response.status_code == 204, response.text
        took = time.perf_counter() - started
        time.sleep(1.0)
        stop.set()
        thread.join()
        during = samples[before:]
        slowest = max(s for s, _ in during)
        errors = sum(1 for _, ok in during if not ok)
        print(
            f"{how}, load {n + 1}: loaded in {took:.1f} s; {len(during)} parses meanwhile, "
            f"median {statistics.median(s for s, _ in during) * 1000:.0f} ms, "
            f"slowest {slowest * 1000:.0f} ms, errors {errors}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as run_dir:
        stack = Stack.ephemeral(Path(run_dir))
        try:
            stack.start_redis()
            stack.start_rasa()
            _measure(stack, "swap channel", args.loads)
            _measure(stack, "Rasa's PUT /model", args.loads)
        finally:
            stack.stop_all()


if __name__ == "__main__":
    main()
