"""Loading a new model while the current one keeps answering.

Rasa's own `PUT /model` loads the model on the server's event loop: for the 5–7 s a load
takes here, every parse and every customer message waits. This channel, registered in
`credentials.yml`, loads the model in a worker thread with the running agent's NLG endpoint,
tracker store, lock store and action endpoint, then swaps it in with one assignment; requests
in flight finish on the old agent, the next ones go to the new. A model that fails to load
leaves the old one serving.

    PUT /webhooks/model_swap/load   Authorization: Bearer <token>   {"model_file": "<path>"}
"""

import asyncio
import functools
import hmac
import logging
import os
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)


def authorised(header: Optional[Text], token: Optional[Text]) -> bool:
    """Bearer `token`, compared in constant time; no token configured means no access."""
    if not token or not header:
        return False
    return hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


def model_path_problem(path: Any) -> Optional[Text]:
    """Why `path` cannot be loaded, or None."""
    if not isinstance(path, str) or not path:
        return "model_file must be the path of a trained model (.tar.gz)"
    if not path.endswith(".tar.gz"):
        return "model_file must be a .tar.gz model archive"
    if not os.path.isfile(path):
        return f"no model file at {path}"
    return None


class ModelSwapInput(InputChannel):
    def __init__(self, token: Optional[Text] = None) -> None:
        self.token = token
        self._lock: Optional[asyncio.Lock] = None

    @classmethod
    def name(cls) -> Text:
        return "model_swap"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ModelSwapInput":
        return cls(token=(credentials or {}).get("token"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        swap = Blueprint("model_swap", __name__)

        @swap.route("/load", methods=["PUT"])  # type: ignore[untyped-decorator]
        async def load(request: Request) -> HTTPResponse:
            if not authorised(request.headers.get("Authorization"), self.token):
                return response.json({"error": "not authorised"}, status=403)
            body = request.json if isinstance(request.json, dict) else {}
            path = body.get("model_file")
            problem = model_path_problem(path)
            if problem or not isinstance(path, str):
                return response.json({"error": problem}, status=400)
            # One load at a time: two at once would double the memory for nothing.
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                return await self._swap(request, path)

        return swap

    async def _swap(self, request: Request, path: Text) -> HTTPResponse:
        current: Agent = request.app.ctx.agent
        started = time.monotonic()
        try:
            new = await asyncio.get_running_loop().run_in_executor(
                None,
                functools.partial(
                    Agent.load,
                    path,
                    generator=current.nlg,
                    tracker_store=current.tracker_store,
                    lock_store=current.lock_store,
                    action_endpoint=current.action_endpoint,
                ),
            )
        except Exception as exc:  # the old agent keeps serving; the caller is told why
            log.exception("model %s could not be loaded", path)
            return response.json({"error": f"the model could not be loaded: {exc}"}, status=422)
        request.app.ctx.agent = new
        seconds = round(time.monotonic() - started, 2)
        log.info("model %s loaded in %.1f s and now serving", path, seconds)
        name = new.processor.model_filename if new.processor else None
        return response.json({"model_file": name, "seconds": seconds})
