"""POST /nlg: Rasa asks for the text of a response (`endpoints.yml` → nlg)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request

from agent.nlg.responses import (
    FALLBACK_RESPONSE,
    Responses,
    choose_response,
    language_from_tracker,
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
    if language == Language.OTHER:
        # Honest about the language: the customer wrote in one the brand does not answer in.
        note = responses.render(OTHER_LANGUAGE_NOTE, language)
        text = f"{note}\n{text}" if note else text
    return {"text": text, "buttons": [], "image": None, "elements": [], "attachments": []}
