"""Group the questions the bot could not answer by similarity, so the brand team sees
"how do I recycle the bottle" once with a count instead of forty times.

Character n-grams (3–4, within word boundaries) work for English and for Japanese, which has
no spaces. No IDF weighting: fitted on a few similar questions it would discount exactly the
words they share ("shop in Kyoto"), and the result would change with whatever else was asked
that week. The grouping is greedy: the most recent ungrouped question leads a group and takes
every ungrouped question at least `threshold` similar to it or to the group's centre."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

_SPACE = re.compile(r"\s+")
_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True, slots=True)
class Question:
    message_id: int
    text: str
    language: str
    channel: str


@dataclass(frozen=True, slots=True)
class Group:
    representative: Question  # the most recent question of the group
    count: int
    wordings: tuple[str, ...]  # up to five distinct wordings, newest first
    languages: tuple[str, ...]
    channels: tuple[str, ...]
    message_ids: tuple[int, ...]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACE.sub(" ", _URL.sub(" ", text)).strip()


def group_questions(
    questions: Sequence[Question], *, threshold: float = 0.4, limit: int = 20
) -> list[Group]:
    """`questions` newest first. Groups largest first (ties: the most recent first)."""
    kept = [q for q in questions if normalise(q.text)]
    if not kept:
        return []
    texts = [normalise(q.text) for q in kept]
    vectors = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 4), use_idf=False, sublinear_tf=True
    ).fit_transform(texts)
    unassigned = np.ones(len(kept), dtype=bool)
    groups: list[tuple[int, list[int]]] = []
    for leader in range(len(kept)):
        if not unassigned[leader]:
            continue
        similarity = (vectors @ vectors[leader].T).toarray().ravel()
        close = np.flatnonzero(unassigned & (similarity >= threshold))
        # A second look from the group's centre takes in wordings close to the group as a
        # whole but not to its first question ("any shop in Kyoto?" / "is there a Tsuyu shop
        # in Kyoto").
        centre = np.asarray(vectors[close].mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centre))
        if norm > 0:
            around = vectors @ (centre / norm)
            close = np.flatnonzero(unassigned & ((similarity >= threshold) | (around >= threshold)))
        unassigned[close] = False
        groups.append((leader, [int(m) for m in close]))
    groups.sort(key=lambda item: (-len(item[1]), item[0]))
    result: list[Group] = []
    for leader, member_ids in groups[:limit]:
        wordings: list[str] = []
        for m in member_ids:
            if texts[m] not in (normalise(w) for w in wordings):
                wordings.append(kept[m].text)
            if len(wordings) == 5:
                break
        result.append(
            Group(
                representative=kept[leader],
                count=len(member_ids),
                wordings=tuple(wordings),
                languages=tuple(
                    lang for lang, _ in Counter(kept[m].language for m in member_ids).most_common()
                ),
                channels=tuple(
                    ch for ch, _ in Counter(kept[m].channel for m in member_ids).most_common()
                ),
                message_ids=tuple(kept[m].message_id for m in member_ids),
            )
        )
    return result
