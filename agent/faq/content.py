"""A FAQ's content as plain values: training questions, answers per language, channel
variants and quick replies; merging an edit into the question order, diffs, fingerprints
and the checks a version must pass before it can be submitted. No I/O."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("en", "ja")
CHANNELS = ("messenger", "instagram", "x")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
MIN_QUESTIONS = 2  # per language: Rasa needs examples in both to answer in both
MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 5000
MAX_QUICK_REPLIES = 13  # Instagram's and Messenger's limit
MAX_QUICK_REPLY_CHARS = 20
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")


def question_language(text: str) -> str:
    """Japanese if it has any kana or kanji (mixed questions are written by Japanese
    customers), else English."""
    return "ja" if _JAPANESE.search(text) else "en"


def normalise(text: str) -> str:
    """How two questions are compared: NFKC, case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    language: str


@dataclass(frozen=True, slots=True)
class FaqContent:
    questions: tuple[Question, ...] = ()
    answers: Mapping[str, str] = field(default_factory=dict)
    variants: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    quick_replies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def questions_in(self, language: str) -> list[str]:
        return [q.text for q in self.questions if q.language == language]

    def answer_for(self, language: str, channel: str | None) -> str | None:
        """The channel's variant in that language, else the default answer."""
        variant = (self.variants.get(channel) or {}).get(language) if channel else None
        return variant or self.answers.get(language)

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": [{"text": q.text, "language": q.language} for q in self.questions],
            "answers": dict(self.answers),
            "variants": {c: dict(v) for c, v in self.variants.items()},
            "quick_replies": {lang: list(v) for lang, v in self.quick_replies.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaqContent:
        return cls(
            questions=tuple(
                Question(text=str(q["text"]), language=str(q["language"]))
                for q in data.get("questions") or []
            ),
            answers={str(k): str(v) for k, v in (data.get("answers") or {}).items()},
            variants={
                str(c): {str(k): str(v) for k, v in (texts or {}).items()}
                for c, texts in (data.get("variants") or {}).items()
            },
            quick_replies={
                str(k): tuple(str(t) for t in v)
                for k, v in (data.get("quick_replies") or {}).items()
            },
        )


def merge_questions(
    old: Iterable[Question], edited: Mapping[str, Iterable[str]]
) -> tuple[Question, ...]:
    """The edited questions per language, in the old order where they were kept, new ones
    after: an unchanged edit leaves the training file byte for byte as it was."""
    wanted: dict[str, list[str]] = {}
    for language, texts in edited.items():
        seen: set[str] = set()
        for raw in texts:
            text = " ".join(raw.split())
            if text and normalise(text) not in seen:
                seen.add(normalise(text))
                wanted.setdefault(language, []).append(text)
    merged: list[Question] = []
    kept: set[tuple[str, str]] = set()
    for question in old:
        if question.text in wanted.get(question.language, []):
            merged.append(question)
            kept.add((question.language, question.text))
    for language, texts in wanted.items():
        merged.extend(Question(t, language) for t in texts if (language, t) not in kept)
    return tuple(merged)


def render(key: str, content: FaqContent) -> str:
    """The content as readable text, for diffs and the audit log."""
    lines = [f"# {key}"]
    for language in LANGUAGES:
        lines.append(f"[answer {language}]")
        lines.extend((content.answers.get(language) or "").splitlines() or [""])
    for channel in CHANNELS:
        for language, text in sorted((content.variants.get(channel) or {}).items()):
            lines.append(f"[answer {language} on {channel}]")
            lines.extend(text.splitlines() or [""])
    for language in LANGUAGES:
        replies = content.quick_replies.get(language) or ()
        if replies:
            lines.append(f"[quick replies {language}] " + " | ".join(replies))
    for language in LANGUAGES:
        lines.append(f"[questions {language}]")
        lines.extend(f"- {q}" for q in content.questions_in(language))
    return "\n".join(lines) + "\n"


def diff(key: str, before: FaqContent | None, after: FaqContent) -> str:
    old = render(key, before).splitlines(keepends=True) if before else []
    new = render(key, after).splitlines(keepends=True)
    label = "published" if before else "(new)"
    return "".join(difflib.unified_diff(old, new, fromfile=label, tofile="this version"))


def questions_fingerprint(questions_by_key: Mapping[str, Iterable[Question]]) -> str:
    """What a model learns from the store: keys and their questions in order."""
    digest = hashlib.sha256()
    for key in sorted(questions_by_key):
        digest.update(f"\x00{key}\x00".encode())
        for question in questions_by_key[key]:
            digest.update(f"{question.language}\x01{question.text}\x02".encode())
    return digest.hexdigest()


def questions_changed(before: FaqContent | None, after: FaqContent) -> bool:
    return before is None or before.questions != after.questions


def problems(key: str, content: FaqContent, *, other_questions: Mapping[str, str]) -> list[str]:
    """What stops a version from being submitted, in plain words (the voice check comes on
    top). `other_questions` maps every other key's normalised question to that key."""
    found: list[str] = []
    if not KEY_PATTERN.match(key):
        found.append(
            f"The key {key!r} must be 2–63 lower-case letters, digits or underscores, "
            "starting with a letter."
        )
    for language in LANGUAGES:
        count = len(content.questions_in(language))
        if count < MIN_QUESTIONS:
            found.append(
                f"Add at least {MIN_QUESTIONS} {_NAMES[language]} training questions "
                f"(there {'is' if count == 1 else 'are'} {count})."
            )
    for question in content.questions:
        if len(question.text) > MAX_QUESTION_CHARS:
            found.append(f"A question is longer than {MAX_QUESTION_CHARS} characters.")
        owner = other_questions.get(normalise(question.text))
        if owner is not None:
            found.append(
                f"“{question.text}” is already a training question of {owner}: the model "
                "cannot learn one question as two FAQs."
            )
    for language in LANGUAGES:
        if len(content.answers.get(language) or "") > MAX_ANSWER_CHARS:
            found.append(f"The {_NAMES[language]} answer is over {MAX_ANSWER_CHARS} characters.")
    for language, replies in content.quick_replies.items():
        if len(replies) > MAX_QUICK_REPLIES:
            found.append(f"At most {MAX_QUICK_REPLIES} quick replies ({_NAMES[language]}).")
        found.extend(
            f"The quick reply “{title}” is over {MAX_QUICK_REPLY_CHARS} characters."
            for title in replies
            if len(title) > MAX_QUICK_REPLY_CHARS
        )
    return found


_NAMES = {"en": "English", "ja": "Japanese"}
