"""The human-rated sets in the vaderSentiment 3.3.2 sdist (Hutto & Gilbert, ICWSM 2014; MIT):
tweets, Amazon review, movie review and New York Times editorial snippets, each rated −4…+4 by
about 20 people. Three classes, as the public benchmark defines them: mean rating > 0.5
positive, < −0.5 negative, else neutral.

The sdist is fetched once from PyPI into .run/cache (pip download, no install)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from dataclasses import dataclass

from agent.settings import REPO_ROOT
from agent.signals.data import rated_label

CACHE = REPO_ROOT / ".run" / "cache"
SDIST = "vaderSentiment-3.3.2.tar.gz"
_INNER = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
TWEETS = "tweets"
SNIPPETS = ("amazonReviewSnippets", "movieReviewSnippets", "nytEditorialSnippets")


@dataclass(frozen=True, slots=True)
class Rated:
    source: str
    mean: float
    text: str

    @property
    def label(self) -> str:
        return rated_label(self.mean)


def read_set(name: str) -> list[Rated]:
    """One set's rows (`tweets`, or one of SNIPPETS), in the file's order."""
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / SDIST
    if not sdist.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             "vaderSentiment==3.3.2", "-d", str(CACHE)],
            check=True,
        )  # fmt: skip
    with tarfile.open(sdist) as outer:
        member = outer.extractfile(_INNER)
        assert member is not None
        with tarfile.open(fileobj=member) as inner:
            raw = inner.extractfile(f"hutto_ICWSM_2014/{name}_GroundTruth.txt")
            assert raw is not None
            lines = raw.read().decode("utf-8", errors="replace").splitlines()
    out = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) >= 3:
            out.append(Rated(name, float(parts[1]), parts[2].strip()))
    return out
