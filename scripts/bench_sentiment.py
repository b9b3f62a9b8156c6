"""Sentiment on public data: the 4,200 human-rated tweets shipped in the vaderSentiment sdist
(Hutto & Gilbert, ICWSM 2014; MIT), three classes (mean rating > 0.5 positive, < -0.5 negative,
else neutral). Our sentiment head next to VADER in the same run. The tweets are never trained on.

    .venv-app/bin/python -m scripts.bench_sentiment
"""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from agent.signals.loader import cached_model
from scripts.evaluate_signals import table
from scripts.hutto2014 import TWEETS, read_set


def tweets() -> list[tuple[str, str]]:
    return [(row.text, row.label) for row in read_set(TWEETS)]


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
