"""Sentiment on public data: the 4,200 human-rated tweets shipped in the vaderSentiment sdist
(Hutto & Gilbert, ICWSM 2014; MIT), three classes (mean rating > 0.5 positive, < -0.5 negative,
else neutral). Our sentiment head next to VADER in the same run. The tweets are never trained on.

    .venv-app/bin/python -m scripts.bench_sentiment

The sdist is fetched once from PyPI into .run/cache (pip download, no install).
"""

from __future__ import annotations

import subprocess
import sys
import tarfile

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from agent.settings import REPO_ROOT
from agent.signals.loader import cached_model
from scripts.evaluate_signals import table

CACHE = REPO_ROOT / ".run" / "cache"
SDIST = "vaderSentiment-3.3.2.tar.gz"
TWEETS = "hutto_ICWSM_2014/tweets_GroundTruth.txt"


def tweets() -> list[tuple[str, str]]:
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / SDIST
    if not sdist.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             "vaderSentiment==3.3.2", "-d", str(CACHE)],
            check=True,
        )  # fmt: skip
    with tarfile.open(sdist) as outer:
        member = outer.extractfile(
            "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
        )
        assert member is not None
        with tarfile.open(fileobj=member) as inner:
            raw = inner.extractfile(TWEETS)
            assert raw is not None
            lines = raw.read().decode("utf-8", errors="replace").splitlines()
    out = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        mean = float(parts[1])
        out.append(
            (parts[2], "positive" if mean > 0.5 else "negative" if mean < -0.5 else "neutral")
        )
    return out


def vader_label(analyzer: SentimentIntensityAnalyzer, text: str) -> str:
    compound = analyzer.polarity_scores(text)["compound"]  # VADER's documented cut-offs
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def main() -> None:
    rows = tweets()
    gold = [label for _, label in rows]
    texts = [text for text, _ in rows]
    vader = SentimentIntensityAnalyzer()
    model = cached_model()
    ours = [max(p["sentiment"], key=p["sentiment"].__getitem__) for p in model.predict(texts)]
    print(f"{len(rows)} tweets (Hutto & Gilbert 2014)\n")
    print(table("VADER 3.3.2", gold, [vader_label(vader, t) for t in texts]).replace("###", "##"))
    print()
    print(table("ours (sentiment head)", gold, ours).replace("###", "##"))


if __name__ == "__main__":
    main()
