"""The learned part of the signals: logistic-regression heads over sentence embeddings,
character n-grams (which carry Japanese, where the English encoder is weak) and VADER's lexicon
scores. Sentiment comes from here; urgency from here only where no rule fires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from agent.errors import SignalModelMissing
from agent.signals.encoder import TextEncoder

MODEL_FILE = "signals.joblib"
FORMAT = 1
HEADS = ("sentiment", "urgency")


class _Lexicon:
    def __init__(self) -> None:
        self._vader = SentimentIntensityAnalyzer()

    def features(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            scores = self._vader.polarity_scores(text)
            rows.append([scores["neg"], scores["neu"], scores["pos"], scores["compound"]])
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), 4)


@dataclass
class SignalModel:
    encoder: TextEncoder
    vectorizer: TfidfVectorizer
    heads: dict[str, LogisticRegression]

    def __post_init__(self) -> None:
        self._lexicon = _Lexicon()

    def features(self, texts: Sequence[str]) -> csr_matrix:
        dense = np.hstack([self.encoder.encode(texts), self._lexicon.features(texts)])
        return hstack([csr_matrix(dense), self.vectorizer.transform(texts)]).tocsr()

    def predict(self, texts: Sequence[str]) -> list[dict[str, dict[str, float]]]:
        """Per text, per head: probability of each label."""
        if not texts:
            return []
        x = self.features(texts)
        per_head = {head: (clf.classes_, clf.predict_proba(x)) for head, clf in self.heads.items()}
        return [
            {
                head: {str(label): float(p) for label, p in zip(classes, probs[i], strict=True)}
                for head, (classes, probs) in per_head.items()
            }
            for i in range(len(texts))
        ]

    @classmethod
    def fit(
        cls,
        encoder: TextEncoder,
        texts: Sequence[str],
        labels: dict[str, Sequence[str | None]],
        weights: Sequence[float],
    ) -> SignalModel:
        """Each head learns from the texts that have a label for it (None: not this head)."""
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True
        ).fit(texts)
        model = cls(encoder=encoder, vectorizer=vectorizer, heads={})
        x = model.features(texts)
        weight = np.asarray(weights)
        for head in HEADS:
            rows = np.asarray([label is not None for label in labels[head]])
            clf = LogisticRegression(C=10.0, max_iter=5000, class_weight="balanced")
            clf.fit(
                x[rows],
                [label for label in labels[head] if label is not None],
                sample_weight=weight[rows],
            )
            model.heads[head] = clf
        return model

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        joblib.dump(
            {
                "format": FORMAT,
                "encoder": self.encoder.name,
                "dimension": self.encoder.dimension,
                "vectorizer": self.vectorizer,
                "heads": self.heads,
            },
            path,
        )
        return path

    @classmethod
    def load(cls, directory: Path, encoder: TextEncoder) -> SignalModel:
        path = directory / MODEL_FILE
        if not path.exists():
            raise SignalModelMissing(
                f"no signal model at {path}: run python -m agent.signals.train"
            )
        data: dict[str, Any] = joblib.load(path)
        if data.get("format") != FORMAT or data.get("dimension") != encoder.dimension:
            raise SignalModelMissing(
                f"{path} was trained with another encoder or format: retrain it"
            )
        return cls(encoder=encoder, vectorizer=data["vectorizer"], heads=data["heads"])
