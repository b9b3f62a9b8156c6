"""The store's round trip with Rasa's files: FAQ training questions in `nlu_data/faq_*.yml`,
answers as `utter_faq/<key>` responses in `domain.yml`. Export writes the canonical layout
those files are kept in, so exporting an unchanged store reproduces them byte for byte and
the brand can keep its content in git. No I/O except the functions that say so."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from agent.errors import ConfigError
from agent.faq.content import CHANNELS, FaqContent, Question, question_language
from agent.nlg.responses import variation_language

FAQ_INTENT = "faq/"
FAQ_RESPONSE = "utter_faq/"
DEFAULT_SOURCE = "faq_more.yml"
_RESPONSE_LINE = re.compile(r"^  (\S[^:]*):\s*$")


@dataclass(frozen=True, slots=True)
class FaqRecord:
    """One key as the files hold it: where its questions are, and its content."""

    key: str
    source_file: str
    file_position: int  # among the keys of its nlu file
    position: int  # among the domain's utter_faq/* responses
    content: FaqContent


# --- reading ---------------------------------------------------------------------------


def read_files(nlu_dir: Path, domain_path: Path) -> list[FaqRecord]:
    """Every FAQ key of the repo's files (reads them)."""
    sources = {p.name: p.read_text(encoding="utf-8") for p in sorted(nlu_dir.glob("*.yml"))}
    return parse_files(sources, domain_path.read_text(encoding="utf-8"))


def parse_files(nlu_files: Mapping[str, str], domain_text: str) -> list[FaqRecord]:
    answers = _parse_domain(domain_text)
    order = {key: index for index, key in enumerate(answers)}
    records: list[FaqRecord] = []
    for name in sorted(nlu_files):
        data = yaml.safe_load(nlu_files[name]) or {}
        for item in data.get("nlu") or []:
            intent = str(item.get("intent") or "")
            if not intent.startswith(FAQ_INTENT):
                continue
            key = intent.removeprefix(FAQ_INTENT)
            questions = tuple(
                Question(text, question_language(text))
                for text in _examples(str(item.get("examples") or ""))
            )
            records.append(
                FaqRecord(
                    key=key,
                    source_file=name,
                    file_position=len([r for r in records if r.source_file == name]),
                    position=order.get(key, len(order) + len(records)),
                    content=_with_questions(answers.get(key), questions),
                )
            )
    missing = sorted(set(answers) - {r.key for r in records})
    if missing:
        raise ConfigError(f"answers without training questions: {', '.join(missing)}")
    return records


def _examples(block: str) -> list[str]:
    return [line[2:].strip() for line in block.splitlines() if line.startswith("- ")]


def _with_questions(content: FaqContent | None, questions: tuple[Question, ...]) -> FaqContent:
    base = content or FaqContent()
    return FaqContent(
        questions=questions,
        answers=base.answers,
        variants=base.variants,
        quick_replies=base.quick_replies,
    )


def _parse_domain(domain_text: str) -> dict[str, FaqContent]:
    responses = (yaml.safe_load(domain_text) or {}).get("responses") or {}
    contents: dict[str, FaqContent] = {}
    for name, variations in responses.items():
        if not str(name).startswith(FAQ_RESPONSE):
            continue
        answers: dict[str, str] = {}
        variants: dict[str, dict[str, str]] = {}
        replies: dict[str, tuple[str, ...]] = {}
        for variation in variations or []:
            language = str(variation_language(variation))
            text = str(variation.get("text") or "")
            channel = variation.get("channel")
            if channel:
                variants.setdefault(str(channel), {})[language] = text
                continue
            answers[language] = text
            buttons = variation.get("buttons") or []
            if buttons:
                replies[language] = tuple(str(b.get("title") or "") for b in buttons)
        contents[str(name).removeprefix(FAQ_RESPONSE)] = FaqContent(
            answers=answers, variants=variants, quick_replies=replies
        )
    return contents


# --- writing ---------------------------------------------------------------------------


def render_nlu_file(records: Sequence[FaqRecord]) -> str:
    blocks = []
    for record in records:
        examples = "".join(f"    - {q.text}\n" for q in record.content.questions)
        blocks.append(f"- intent: {FAQ_INTENT}{record.key}\n  examples: |\n{examples}")
    return 'version: "3.1"\nnlu:\n' + "\n".join(blocks)


def render_responses(records: Iterable[FaqRecord]) -> str:
    """The `utter_faq/*` part of the domain's `responses:`."""
    return "\n".join(_render_response(r.key, r.content) for r in records)


def _render_response(key: str, content: FaqContent) -> str:
    lines = [f"  {FAQ_RESPONSE}{key}:"]
    for language in ("en", "ja"):
        _variation(lines, content.answers.get(language, ""), language, None)
        replies = content.quick_replies.get(language) or ()
        if replies:
            lines.append("      buttons:")
            for title in replies:
                lines.append(f"        - title: {_quote(title)}")
                lines.append(f"          payload: {_quote(title)}")
    for channel in CHANNELS:
        for language in ("en", "ja"):
            text = (content.variants.get(channel) or {}).get(language)
            if text:
                _variation(lines, text, language, channel)
    return "\n".join(lines) + "\n"


def _variation(lines: list[str], text: str, language: str, channel: str | None) -> None:
    lines.append(f"    - text: {_quote(text)}")
    if channel:
        lines.append(f"      channel: {channel}")
    if language == "ja":
        lines.extend(
            [
                "      condition:",
                "        - type: slot",
                "          name: language",
                "          value: ja",
            ]
        )


def _quote(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def splice_domain(domain_text: str, records: Sequence[FaqRecord]) -> str:
    """The domain with its `utter_faq/*` responses replaced by the records' (new keys go
    after the others). The rest of the file is kept as it is, comments included."""
    lines = domain_text.splitlines(keepends=True)
    start = end = None
    for index, line in enumerate(lines):
        match = _RESPONSE_LINE.match(line.rstrip("\n"))
        top_level = bool(line.strip()) and not line.startswith((" ", "#"))
        if match and match.group(1).startswith(FAQ_RESPONSE):
            if end is not None:
                raise ConfigError("the utter_faq/* responses in the domain are not together")
            start = index if start is None else start
        elif start is not None and end is None and (match or top_level):
            end = index
    if start is None:
        raise ConfigError("the domain has no utter_faq/* responses to replace")
    end = len(lines) if end is None else end
    # The region ends with the blank line before the next response.
    return "".join(lines[:start]) + render_responses(records) + "\n" + "".join(lines[end:])


def export_files(
    records: Sequence[FaqRecord], nlu_files: Mapping[str, str], domain_text: str
) -> dict[str, str]:
    """The files to write, relative to the project: every nlu file that holds FAQ keys
    (FAQ-only files are rewritten whole), and the domain."""
    by_file: dict[str, list[FaqRecord]] = {}
    for record in sorted(records, key=lambda r: r.file_position):
        by_file.setdefault(record.source_file, []).append(record)
    out: dict[str, str] = {}
    for name, members in by_file.items():
        existing = nlu_files.get(name)
        if existing is not None and _has_other_intents(existing):
            raise ConfigError(f"nlu_data/{name} holds more than FAQ questions; cannot rewrite it")
        out[f"nlu_data/{name}"] = render_nlu_file(members)
    for name, text in nlu_files.items():
        if name not in by_file and _is_faq_file(text):
            # Every key it held was removed: the file goes empty, not stale.
            out[f"nlu_data/{name}"] = 'version: "3.1"\nnlu: []\n'
    out["domain.yml"] = splice_domain(domain_text, sorted(records, key=lambda r: r.position))
    return out


def _has_other_intents(text: str) -> bool:
    data = yaml.safe_load(text) or {}
    items = data.get("nlu") or []
    return any(not str(i.get("intent") or "").startswith(FAQ_INTENT) for i in items) or bool(
        set(data) - {"version", "nlu"}
    )


def _is_faq_file(text: str) -> bool:
    items = (yaml.safe_load(text) or {}).get("nlu") or []
    return bool(items) and not _has_other_intents(text)
