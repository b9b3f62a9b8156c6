"""`POST /api/v1/analyze` and `/api/v1/analyze/batch`: a message judged as the first message of
a new conversation (no history): language, intent, urgency, sentiment and the escalation
decision."""

from __future__ import annotations

import json
import re
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from agent.errors import AnalyzeInputError
from agent.escalation.policy import decide
from agent.inbox.routes import read_body
from agent.signals.analyzer import Analyzer, Judged

router = APIRouter(prefix="/api/v1")
_M = TypeVar("_M", bound=BaseModel)

# C0/C1 control characters except tab and newline: they carry no meaning in a DM and some
# break tokenizers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class AnalyzeItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    channel: Literal["messenger", "instagram", "x"]


class AnalyzeBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[AnalyzeItem]


@router.post("/analyze")
async def analyze(request: Request) -> JSONResponse:
    item = _parse(await _json(request), AnalyzeItem)
    text = _clean(item.text, request.app.state.settings.analyze_max_chars)
    judged = await _analyzer(request).judge(text)
    return JSONResponse(_result(request, judged))


@router.post("/analyze/batch")
async def analyze_batch(request: Request) -> JSONResponse:
    batch = _parse(await _json(request), AnalyzeBatch)
    settings = request.app.state.settings
    if len(batch.items) > settings.analyze_max_batch:
        raise AnalyzeInputError(f"at most {settings.analyze_max_batch} items per batch")
    texts = [_clean(item.text, settings.analyze_max_chars) for item in batch.items]
    judged = await _analyzer(request).judge_many(texts) if texts else []
    return JSONResponse({"results": [_result(request, j) for j in judged]})


def _analyzer(request: Request) -> Analyzer:
    analyzer: Analyzer = request.app.state.runtime.analyzer()
    return analyzer


async def _json(request: Request) -> Any:
    raw = await read_body(request, request.app.state.settings.max_body_bytes)
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise AnalyzeInputError(f"the body is not valid UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise AnalyzeInputError(f"the body is not JSON: {exc.msg} at {exc.pos}") from exc


def _parse(data: Any, model: type[_M]) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise AnalyzeInputError(f"{where}: {first['msg']}") from exc


def _clean(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise AnalyzeInputError(f"text is longer than {max_chars} characters", status_code=413)
    cleaned = _CONTROL.sub(" ", text).strip()
    if not cleaned:
        raise AnalyzeInputError("text is empty")
    return cleaned


def _result(request: Request, judged: Judged) -> dict[str, Any]:
    signals = judged.signals
    decision = decide(signals, fallback=judged.fallback, config=request.app.state.runtime.policy)
    intent = signals.intent
    return {
        "language": signals.language,
        "intent": {
            "name": intent.name if intent else "nlu_fallback",
            "confidence": intent.confidence if intent else 0.0,
        },
        "urgency": {
            "level": signals.urgency.level.value,
            "score": signals.urgency.score,
            "reasons": list(signals.urgency.reasons),
        },
        "sentiment": {"label": signals.sentiment.label.value, "score": signals.sentiment.score},
        "escalate": decision.escalate,
        "escalation_reasons": list(decision.reasons),
    }
