"""Write `agent/signals/data/general_sentiment.tsv`: general English sentiment for the signal
model, 2,000 rated snippets from each of the Amazon review, movie review and NYT editorial sets
in the vaderSentiment sdist (Hutto & Gilbert 2014; MIT). The tweets of the same sdist are the
public benchmark (`scripts/bench_sentiment.py`) and are never taken.

Customer DMs are mostly neutral questions and complaints; these snippets teach the head how
praise, irony and plain description read in ordinary English. The sample is seeded, so this
script reproduces the file byte for byte.

    .venv-app/bin/python -m scripts.make_general_sentiment
"""

from __future__ import annotations

import random

from agent.signals.data import GENERAL_SENTIMENT
from scripts.hutto2014 import SNIPPETS, read_set

PER_SET = 2000
SEED = 2014
HEADER = (
    "# General English sentiment: 2,000 human-rated snippets from each of the Amazon review,\n"
    "# movie review and NYT editorial sets of Hutto & Gilbert (ICWSM 2014), from the\n"
    "# vaderSentiment 3.3.2 sdist (MIT licence, (c) C.J. Hutto). Columns: set, mean rating\n"
    "# (-4..+4), text. Written by scripts/make_general_sentiment.py; do not edit by hand.\n"
)


def main() -> None:
    rows = []
    for name in SNIPPETS:
        rated = [r for r in read_set(name) if r.text and "\t" not in r.text]
        rows.extend(random.Random(SEED).sample(rated, PER_SET))
    with GENERAL_SENTIMENT.open("w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER)
        for row in rows:
            out.write(f"{row.source}\t{row.mean:g}\t{row.text}\n")
    print(f"{len(rows)} snippets -> {GENERAL_SENTIMENT}")


if __name__ == "__main__":
    main()
