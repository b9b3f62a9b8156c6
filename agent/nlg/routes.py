"""POST /nlg: Rasa asks for the text of a response (`endpoints.yml` → nlg)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request

from agent.dialogue.rasa_client import PARSE_KEY
from agent.faq.content import CHANNELS, LANGUAGES
from agent.faq.voice import apply_voice
from agent.nlg.responses import (
    FALLBACK_RESPONSE,
    FAQ_PREFIX,
    Responses,
    choose_response,
    customer_upset,
    fill_variables,
    language_from_tracker,
    template_values,
)
from agent.signals.language import Language

log = logging.getLogger(__name__)

OTHER_LANGUAGE_NOTE = "utter_other_language_note"
router = APIRouter()


@router.post("/nlg")
async def generate(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    responses: Responses = request.app.state.responses
    tracker = body.get("tracker") or {}
    name = choose_response(
        str(body.get("response") or ""),
        tracker,
        faq_min_confidence=request.app.state.settings.faq_min_confidence,
    )
    language = language_from_tracker(tracker)
    channel = channel_from_tracker(tracker)
    snapshot = await request.app.state.published.current()
    answer_language = language if language in LANGUAGES else "en"
    faq = (
        snapshot.answers.get(name.removeprefix(FAQ_PREFIX)) if name.startswith(FAQ_PREFIX) else None
    )
    # The published answer from the studio; other responses come from the domain.
    text = faq.answer_for(answer_language, channel) if faq else responses.render(name, language)
    if text is None:
        log.error("no text for response %r; answering with the fallback", name)
        text = responses.render(FALLBACK_RESPONSE, language) or ""
    text = fill_variables(text, template_values(tracker, body.get("arguments")))
    if language == Language.OTHER:
        # Honest about the language: the customer wrote in one the brand does not answer in.
        note = responses.render(OTHER_LANGUAGE_NOTE, language)
        text = f"{note}\n{text}" if note else text
    text = apply_voice(
        text,
        profile=snapshot.voice,
        language=answer_language,
        channel=channel,
        first_reply=first_reply(tracker),
        # Only an FAQ answer: the other replies to an upset customer (a complaint, a handoff)
        # already say sorry in their own words.
        upset=faq is not None and customer_upset(tracker),
    )
    replies = faq.quick_replies.get(answer_language, ()) if faq else ()
    return {
        "text": text,
        "buttons": [{"title": title, "payload": title} for title in replies],
        "image": None,
        "elements": [],
        "attachments": [],
        # Rasa's reading of the message, handed back with the reply so that the worker needs
        # no second parse for its signals and escalation rules (agent/dialogue/rasa_client.py).
        "custom": {PARSE_KEY: _parse_of(tracker)},
    }


def _parse_of(tracker: dict[str, Any]) -> dict[str, Any]:
    latest = tracker.get("latest_message") or {}
    return {
        "intent": latest.get("intent") or {},
        "response_selector": latest.get("response_selector") or {},
    }


def channel_from_tracker(tracker: dict[str, Any]) -> str:
    """The channel the worker named in the message's metadata; replies shaped for Messenger
    when there is none (the analyze API, evaluations)."""
    metadata = (tracker.get("latest_message") or {}).get("metadata") or {}
    channel = metadata.get("channel")
    return channel if channel in CHANNELS else "messenger"


def first_reply(tracker: dict[str, Any]) -> bool:
    """No bot message yet in this conversation session: this reply gets the greeting. A
    second reply in the same turn sees the first one's event (Rasa logs each before the
    next is generated)."""
    for event in reversed(tracker.get("events") or []):
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "bot":
            return False
        if kind == "session_started":
            return True
    return True
