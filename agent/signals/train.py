"""`python -m agent.signals.train [--out DIR]`: fit the signal model's heads from repo data."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from agent.settings import SIGNALS_MODEL_DIR
from agent.signals.data import training_examples
from agent.signals.encoder import TransformersEncoder, packaged_minilm_path
from agent.signals.model import SignalModel


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m agent.signals.train")
    parser.add_argument("--out", type=Path, default=SIGNALS_MODEL_DIR)
    parser.add_argument("--encoder", type=Path, default=None, help="transformers model folder")
    args = parser.parse_args()
    started = time.perf_counter()
    encoder = TransformersEncoder(args.encoder or packaged_minilm_path())
    examples = training_examples()
    model = SignalModel.fit(
        encoder,
        [e.text for e in examples],
        {
            "sentiment": [e.sentiment for e in examples],
            "urgency": [e.urgency for e in examples],
        },
        [e.weight for e in examples],
    )
    path = model.save(args.out)
    labelled = sum(e.weight == 1.0 for e in examples)
    general = sum(e.urgency is None for e in examples)
    print(
        f"signal model: {len(examples)} examples ({labelled} labelled DMs, "
        f"{len(examples) - labelled - general} weakly labelled examples, {general} rated English "
        f"snippets for sentiment), encoder {encoder.name}, "
        f"{time.perf_counter() - started:.0f} s -> {path}"
    )


if __name__ == "__main__":
    main()
