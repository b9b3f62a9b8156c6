"""`rasa test nlu` cross-validation of this project's pipeline (config.yml) next to Rasa's default
pipeline (what `rasa init` uses when no pipeline is given), on the same training data, in the
same run, reported per language.

    .venv-app/bin/python -m scripts.compare_nlu_pipelines [--folds 3]

Takes about 25 minutes on 2 cores (each fold trains both pipelines).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from scripts.evaluate_nlu import JAPANESE
from scripts.stack import ROOT

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"

# Rasa 3.6's default for a config without a pipeline (rasa/engine/recipes/config_files/
# default_config.yml), with the FAQ retrieval intent given to the ResponseSelector.
DEFAULT_CONFIG = """\
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    retrieval_intent: faq
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: RulePolicy
"""


def cross_validate(config: Path, out: Path, folds: int, cache: Path) -> float:
    """`cache`: a training cache of this run's own. Rasa's shared one (~/.rasa/cache) evicts
    entries while another Rasa process on the machine (a training, a test run) still reads
    them, and the cross-validation then fails after tens of minutes."""
    started = time.perf_counter()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_CACHE_DIRECTORY": str(cache)}
    subprocess.run(
        [str(RASA), "test", "nlu", "--config", str(config), "--nlu", "nlu_data",
         "--domain", "domain.yml", "--cross-validation", "--folds", str(folds),
         "--out", str(out), "--successes", "--quiet"],
        cwd=ROOT, check=True, env=env,
    )  # fmt: skip
    return time.perf_counter() - started


def _load(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text()) if path.exists() else []


def per_language(out: Path) -> dict[str, dict[str, float]]:
    """Accuracy per language of the intent and, for FAQ questions, of the FAQ key chosen."""
    scores: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for name, ok in (("intent_successes.json", 1), ("intent_errors.json", 0)):
        for item in _load(out / name):
            lang = "ja" if JAPANESE.search(item["text"]) else "en"
            scores[lang]["intent"][0] += ok
            scores[lang]["intent"][1] += 1
    for name, ok in (
        ("response_selection_successes.json", 1),
        ("response_selection_errors.json", 0),
    ):
        for item in _load(out / name):
            lang = "ja" if JAPANESE.search(item["text"]) else "en"
            scores[lang]["faq_key"][0] += ok
            scores[lang]["faq_key"][1] += 1
    return {
        lang: {kind: right / total for kind, (right, total) in kinds.items() if total}
        for lang, kinds in scores.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        default_config = Path(tmp) / "default_config.yml"
        default_config.write_text(DEFAULT_CONFIG)
        results = {}
        for name, config in (
            ("ours (config.yml)", ROOT / "config.yml"),
            ("Rasa default", default_config),
        ):
            out = Path(tmp) / name.split()[0]
            seconds = cross_validate(config, out, args.folds, Path(tmp) / "rasa-cache")
            results[name] = (per_language(out), seconds)
    print(f"`rasa test nlu --cross-validation --folds {args.folds}` on nlu_data/\n")
    print("| pipeline | ja intent | ja FAQ key | en intent | en FAQ key | time |")
    print("|---|---|---|---|---|---|")
    for name, (scores, seconds) in results.items():
        cells = [
            f"{scores.get(lang, {}).get(kind, 0.0):.3f}"
            for lang in ("ja", "en")
            for kind in ("intent", "faq_key")
        ]
        print(f"| {name} | " + " | ".join(cells) + f" | {seconds / 60:.1f} min |")


if __name__ == "__main__":
    main()
