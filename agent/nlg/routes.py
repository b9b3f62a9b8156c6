"""POST /nlg: Rasa asks for the text of a response (`endpoints.yml` → nlg)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request

from agent.dialogue.rasa_client import PARSE_KEY
from agent.nlg.responses import (
    FALLBACK_RESPONSE,
    Responses,
    choose_response,
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
    text = responses.render(name, language)
    if text is None:
        log.error("no text for response %r; answering with the fallback", name)
        text = responses.render(FALLBACK_RESPONSE, language) or ""
    text = fill_variables(text, template_values(tracker, body.get("arguments")))
    if language == Language.OTHER:
        # Honest about the language: the customer wrote in one the brand does not answer in.
        note = responses.render(OTHER_LANGUAGE_NOTE, language)
        text = f"{note}\n{text}" if note else text
    return {
        "text": text,
        "buttons": [],
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
