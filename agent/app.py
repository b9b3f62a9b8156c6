"""The app factory: `uvicorn agent.app:create_app --factory`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from agent.api.routes import router as api_router
from agent.console.routes import router as console_router
from agent.crm.routes import router as crm_router
from agent.errors import (
    AnalyzeInputError,
    ChecksFailed,
    ConsoleError,
    LoginRequired,
    RasaUnavailable,
    WebhookError,
)
from agent.faq import jobs as faq_jobs
from agent.faq.bootstrap import import_missing
from agent.faq.routes import router as studio_router
from agent.handoff.presence import sweep_forever
from agent.inbox.routes import router as webhook_router
from agent.insight.jobs import run_forever as insight_forever
from agent.insight.routes import router as insight_router
from agent.nlg.routes import router as nlg_router
from agent.runtime import Runtime, build_runtime
from agent.settings import Settings

log = logging.getLogger(__name__)
_INSIGHT_STOP_S = 30.0


async def _prepare(runtime: Runtime) -> None:
    """Start-up work before the first request."""
    settings = runtime.settings
    await import_missing(
        runtime.sessions,
        nlu_dir=settings.domain_path.parent / "nlu_data",
        domain_path=settings.domain_path,
    )
    # Loaded before the first request, off the event loop; a missing model fails start-up.
    await asyncio.to_thread(runtime.analyzer)
    # The queue's Redis index follows SQL: rebuilt on every start, so a Redis restart or
    # flush loses no escalation.
    rebuilt = await runtime.handoff().rebuild()
    log.info("escalation queue rebuilt from SQL: %d open", rebuilt)
    await faq_jobs.recover(runtime)
    restore = asyncio.create_task(faq_jobs.restore_deployed(runtime), name="restore-model")
    runtime.background.add(restore)
    restore.add_done_callback(runtime.background.discard)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()  # type: ignore[call-arg]  # read from the environment

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = build_runtime(settings)
        app.state.runtime = runtime
        app.state.settings = settings
        app.state.sessions = runtime.sessions
        app.state.queue = runtime.queue
        app.state.responses = runtime.responses
        app.state.published = runtime.published
        await _prepare(runtime)
        sweeper = asyncio.create_task(
            sweep_forever(runtime.handoff(), every_s=settings.console_absent_after_s)
        )
        stop_insight = asyncio.Event()
        insight = asyncio.create_task(
            insight_forever(
                runtime.insight_job(), every_s=settings.insight_refresh_s, stop=stop_insight
            )
        )
        try:
            yield
        finally:
            for task in list(runtime.background):
                task.cancel()
            await asyncio.gather(*runtime.background, return_exceptions=True)
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            stop_insight.set()
            try:
                await asyncio.wait_for(insight, timeout=_INSIGHT_STOP_S)
            except TimeoutError:
                log.warning("insight run still busy after %.0f s; cancelled", _INSIGHT_STOP_S)
            await runtime.close()

    app = FastAPI(title="Tsuyu Botanicals DM agent", lifespan=lifespan)
    app.include_router(webhook_router)
    app.include_router(nlg_router)
    app.include_router(api_router)
    app.include_router(insight_router)
    app.include_router(studio_router)
    app.include_router(console_router)
    app.include_router(crm_router)

    @app.exception_handler(WebhookError)
    async def webhook_error(_request: Request, exc: WebhookError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=exc.status_code)

    @app.exception_handler(AnalyzeInputError)
    async def analyze_error(_request: Request, exc: AnalyzeInputError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=exc.status_code)

    @app.exception_handler(ConsoleError)
    async def console_error(request: Request, exc: ConsoleError) -> Response:
        # A page opened without a session goes to the login page; the API answers 401.
        path = request.url.path
        page = request.method == "GET" and "/api/" not in path and "/export/" not in path
        if isinstance(exc, LoginRequired) and page:
            return RedirectResponse("/console/login", status_code=303)
        body: dict[str, object] = {"error": str(exc)}
        if isinstance(exc, ChecksFailed):
            body["findings"] = exc.findings
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(RasaUnavailable)
    async def rasa_down(_request: Request, exc: RasaUnavailable) -> JSONResponse:
        log.warning("analyze refused: %s", exc)
        return JSONResponse({"error": f"the NLU model is not available: {exc}"}, status_code=503)

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        checks = await readiness(request.app.state.runtime)
        ok = all(checks.values())
        return JSONResponse({"ok": ok, "checks": checks}, status_code=200 if ok else 503)

    return app


async def readiness(runtime: Runtime) -> dict[str, bool]:
    checks = {"database": False, "redis": False, "rasa": False}
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:  # any failure means "not ready"; the detail is logged
        log.exception("database not ready")
    try:
        checks["redis"] = bool(await runtime.redis.ping())
    except Exception:
        log.exception("redis not ready")
    checks["rasa"] = await runtime.rasa.model_loaded()
    return checks
