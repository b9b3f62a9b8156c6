"""The brand's responses, read from `domain.yml`, with one variation per language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agent.signals.language import Language

FALLBACK_RESPONSE = "utter_default"
FAQ_PREFIX = "utter_faq/"
# An FAQ answer opens with the brand's acknowledgment when the sentiment signal reads the
# message as negative with a score at or below this. Chosen on the development DMs answered with
# an FAQ: at this level it opened the answers to 11 complaints about an FAQ topic and 9 annoyed
# or worried questions ("code not working at checkout 😩"), and to no message labelled neutral or
# positive; the label alone would also have opened mild worries ("敏感肌だから気になる…").
UPSET_SCORE = -0.3
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Responses:
    texts: dict[str, dict[Language, str]]

    def render(self, name: str, language: str) -> str | None:
        variants = self.texts.get(name)
        if variants is None:
            return None
        lang = Language(language) if language in Language.__members__.values() else Language.EN
        return variants.get(lang) or variants.get(Language.EN)


APP_RESPONSES = Path(__file__).with_name("app_responses.yml")


def load_responses(domain_path: Path, extra: Path = APP_RESPONSES) -> Responses:
    """Read `responses:` from the domain and from the app's own file: the unconditioned
    variation is English, the one conditioned on slot `language` = ja is Japanese."""
    texts: dict[str, dict[Language, str]] = {}
    for path in (domain_path, extra):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            per_language: dict[Language, str] = {}
            for variation in variations or []:
                text = variation.get("text")
                if isinstance(text, str):
                    per_language.setdefault(variation_language(variation), text.strip())
            texts[str(name)] = per_language
    return Responses(texts)


def variation_language(variation: Mapping[str, Any]) -> Language:
    """A domain response variation's language: Japanese when conditioned on the slot
    `language` = ja, else English (the unconditioned one)."""
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language" and condition.get("value") in ("ja", "en"):
            return Language(condition["value"])
    return Language.EN


def faq_confidence(tracker: dict[str, Any]) -> float:
    """How sure the ResponseSelector was of the FAQ answer it picked for the latest message."""
    latest = tracker.get("latest_message") or {}
    selected = ((latest.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    confidence = selected.get("confidence")
    return float(confidence) if isinstance(confidence, int | float) else 1.0


def choose_response(name: str, tracker: dict[str, Any], *, faq_min_confidence: float) -> str:
    """The response to render: a FAQ answer picked without confidence becomes the honest
    "not sure" reply rather than a guess."""
    if name.startswith(FAQ_PREFIX) and faq_confidence(tracker) < faq_min_confidence:
        return FALLBACK_RESPONSE
    return name


def upset(label: str, score: float) -> bool:
    """A sentiment signal that reads as an upset customer."""
    return label == "negative" and score <= UPSET_SCORE


def customer_upset(tracker: dict[str, Any]) -> bool:
    """The app's sentiment signal (sent as metadata) reads the latest message as upset."""
    metadata = (tracker.get("latest_message") or {}).get("metadata") or {}
    sentiment = metadata.get("sentiment")
    if not isinstance(sentiment, dict):
        return False
    label, score = sentiment.get("label"), sentiment.get("score")
    return isinstance(label, str) and isinstance(score, int | float) and upset(label, score)


def language_from_tracker(tracker: dict[str, Any]) -> str:
    """The language the app detected for the customer's latest message (sent as metadata)."""
    latest = tracker.get("latest_message") or {}
    metadata = latest.get("metadata") or {}
    language = metadata.get("language")
    if isinstance(language, str):
        return language
    slot = (tracker.get("slots") or {}).get("language")
    return slot if isinstance(slot, str) else Language.EN


def template_values(tracker: dict[str, Any], arguments: Mapping[str, Any] | None) -> dict[str, str]:
    """What a response's `{name}` variables are filled with: the tracker's slots, overridden by
    the values an action passed with the response (Rasa sends them as `arguments`)."""
    values: dict[str, str] = {}
    for source in (tracker.get("slots") or {}, arguments or {}):
        for name, value in source.items():
            # Scalars only: None means "not set", and lists or objects are not text.
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                values[str(name)] = str(value)
    return values


def fill_variables(text: str, values: Mapping[str, str]) -> str:
    """`{name}` replaced where `values` has that name; any other braces are left as they are
    (the app fills some, such as `{when}`, itself)."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
