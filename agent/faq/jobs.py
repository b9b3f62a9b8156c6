"""Retraining from the studio as a background job: one at a time (a Redis lock across every
app process), its stage and percent in SQL for the page to poll, the published store
exported into a scratch project, and the new model deployed only if it passes its checks."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent import redis_keys
from agent.errors import Conflict
from agent.faq import service
from agent.faq.files import export_files
from agent.faq.models import AuditAction, JobStatus, ModelState, TrainingJob
from agent.faq.training import (
    Progress,
    RasaCommands,
    TrainingFailed,
    TrainingResult,
    load_into_rasa,
    run_training,
)
from agent.records.models import utcnow
from agent.runtime import Runtime

log = logging.getLogger(__name__)
LOCK_TTL_S = 30 * 60  # renewed on every progress line; outlives only a process that died
_PROJECT_FILES = ("config.yml",)


async def _take_lock(runtime: Runtime) -> str | None:
    """The training lock's token, or None when a job or a model load holds it."""
    token = secrets.token_hex(16)
    held = await runtime.redis.set(redis_keys.FAQ_TRAINING_LOCK, token, nx=True, ex=LOCK_TTL_S)
    return token if held else None


def _rasa_urls(runtime: Runtime) -> list[str]:
    return [runtime.settings.rasa_url, *runtime.settings.rasa_replica_urls]


def _rasa_token(runtime: Runtime) -> str | None:
    token = runtime.settings.rasa_token
    return token.get_secret_value() if token else None


async def _load(runtime: Runtime, model: Path) -> None:
    """Load `model` into every Rasa replica (raises TrainingFailed)."""
    await load_into_rasa(
        runtime.http, _rasa_urls(runtime), token=_rasa_token(runtime), model_path=model
    )


async def latest(db: AsyncSession) -> TrainingJob | None:
    query = select(TrainingJob).order_by(TrainingJob.id.desc()).limit(1)
    return (await db.execute(query)).scalar_one_or_none()


def job_json(job: TrainingJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "stage": job.stage,
        "percent": job.percent,
        "message": job.message,
        "accuracy": job.accuracy,
        "baseline_accuracy": job.baseline_accuracy,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


async def start(runtime: Runtime, *, requested_by: int | None) -> int:
    """Start a job in this process, or refuse: only one runs at a time."""
    token = await _take_lock(runtime)
    if token is None:
        raise Conflict(
            "a model is already being trained: wait until it finishes (its progress is on "
            "this page), then start again if questions changed since"
        )
    try:
        async with runtime.sessions() as db:
            job = TrainingJob(
                requested_by=requested_by,
                fingerprint=await service.published_fingerprint(db),
                message="",
            )
            db.add(job)
            await db.flush()
            service.write_audit(
                db,
                AuditAction.RETRAIN,
                actor_id=requested_by,
                key=None,
                version=None,
                detail=f"training job {job.id} started",
            )
            await db.commit()
            job_id = job.id
    except BaseException:
        await _release(runtime, token)
        raise
    task = asyncio.create_task(_run(runtime, job_id, token), name=f"faq-training-{job_id}")
    runtime.background.add(task)
    task.add_done_callback(runtime.background.discard)
    return job_id


async def recover(runtime: Runtime) -> int:
    """Jobs left "running" by a process that stopped (no one holds the lock) failed."""
    if await runtime.redis.exists(redis_keys.FAQ_TRAINING_LOCK):
        return 0
    async with runtime.sessions() as db:
        query = select(TrainingJob).where(TrainingJob.status == JobStatus.RUNNING)
        stuck = list((await db.execute(query)).scalars())
        for job in stuck:
            job.status = JobStatus.FAILED
            job.message = "interrupted: the app stopped while it ran. Start it again."
            job.finished_at = utcnow()
        await db.commit()
    return len(stuck)


async def last_deployed(db: AsyncSession) -> TrainingJob | None:
    """The job whose model serves now, if the studio deployed one."""
    query = (
        select(TrainingJob)
        .where(TrainingJob.status == JobStatus.DEPLOYED)
        .order_by(TrainingJob.id.desc())
        .limit(1)
    )
    return (await db.execute(query)).scalar_one_or_none()


async def roll_back_model(runtime: Runtime, *, actor_id: int | None) -> TrainingJob:
    """Put back the model the last deployed job replaced (the one Rasa started with, if that
    job was the first). Holds the training lock: no job runs meanwhile."""
    token = await _take_lock(runtime)
    if token is None:
        raise Conflict("a model is being trained or loaded: wait until it finishes")
    settings = runtime.settings
    try:
        async with runtime.sessions() as db:
            job = await last_deployed(db)
            if job is None:
                raise Conflict("no model deployed from the studio: nothing to roll back")
            previous = Path(job.replaced_path) if job.replaced_path else settings.rasa_model_path
            if not await asyncio.to_thread(previous.is_file):
                raise Conflict(f"the previous model file {previous.name} is gone")
            try:
                await _load(runtime, previous)
            except TrainingFailed as exc:
                raise Conflict(f"the previous model could not be loaded: {exc.reason}") from exc
            state = await db.get(ModelState, 1)
            if state is not None:
                state.model_path = job.replaced_path
                state.fingerprint = job.replaced_fingerprint or state.fingerprint
                state.updated_at = utcnow()
            job.status = JobStatus.ROLLED_BACK
            job.message = f"Rolled back: {previous.name} serves again."
            service.write_audit(
                db,
                AuditAction.RETRAIN,
                actor_id=actor_id,
                key=None,
                version=None,
                detail=f"model of training job {job.id} rolled back to {previous.name}",
            )
            await db.commit()
            return job
    finally:
        await _release(runtime, token)


async def restore_deployed(runtime: Runtime, *, wait_s: float = 600, every_s: float = 2) -> bool:
    """After a restart Rasa serves the model it was started with; the studio's last deployed
    model (if any) is loaded back into it. Holds the training lock, so several app
    processes starting together load it once, and no job starts meanwhile."""
    async with runtime.sessions() as db:
        state = await service.model_state(db)
    if state is None or not state.model_path:
        return False
    path = Path(state.model_path)
    if not await asyncio.to_thread(path.is_file):
        log.warning("the deployed model %s is gone: Rasa keeps the one it started with", path)
        return False
    deadline = asyncio.get_running_loop().time() + wait_s
    while (serving := await runtime.rasa.model_file()) is None:
        if asyncio.get_running_loop().time() > deadline:
            log.warning("Rasa not ready after %.0f s: deployed model not restored", wait_s)
            return False
        await asyncio.sleep(every_s)
    if serving == path.name:
        return False
    token = await _take_lock(runtime)
    if token is None:
        return False  # another process is restoring it, or a job will deploy a newer one
    try:
        await _load(runtime, path)
    except TrainingFailed as exc:
        log.error("the deployed model %s could not be restored: %s", path, exc.reason)
        return False
    finally:
        await _release(runtime, token)
    log.info("Rasa served %s; the deployed model %s is loaded back", serving, path.name)
    return True


async def _run(runtime: Runtime, job_id: int, token: str) -> None:
    settings = runtime.settings
    scratch = Path(tempfile.mkdtemp(prefix="faq-train-"))
    try:
        await _export(runtime, scratch)
        async with runtime.sessions() as db:
            state = await service.model_state(db)
        live_model = Path(state.model_path) if state and state.model_path else None
        live_model = live_model if live_model and live_model.exists() else settings.rasa_model_path

        async def on_progress(progress: Progress) -> None:
            await _update(runtime, job_id, stage=progress.stage, percent=progress.percent)
            await runtime.redis.expire(redis_keys.FAQ_TRAINING_LOCK, LOCK_TTL_S)

        settings.faq_models_dir.mkdir(parents=True, exist_ok=True)
        result = await run_training(
            scratch,
            out_dir=settings.faq_models_dir,
            name=f"studio-{job_id}",
            live_model=live_model,
            heldout=settings.faq_heldout_path,
            commands=RasaCommands.default(),
            http=runtime.http,
            rasa_urls=_rasa_urls(runtime),
            token=_rasa_token(runtime),
            max_drop=settings.faq_retrain_max_drop,
            max_key_drop=settings.faq_retrain_max_key_drop,
            min_confidence=settings.faq_min_confidence,
            on_progress=on_progress,
        )
        await _finish(runtime, job_id, result)
    except TrainingFailed as exc:
        log.warning("training job %d failed at %s: %s", job_id, exc.stage, exc.reason)
        await _update(
            runtime, job_id, status=JobStatus.FAILED, stage=str(exc.stage), message=exc.reason
        )
    except asyncio.CancelledError:
        await _update(runtime, job_id, status=JobStatus.FAILED, message="stopped with the app")
        raise
    except Exception as exc:  # recorded on the job: a background task has no caller to tell
        log.exception("training job %d broke", job_id)
        await _update(
            runtime, job_id, status=JobStatus.FAILED, message=f"unexpected error: {exc!r}"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        await _release(runtime, token)


async def _export(runtime: Runtime, scratch: Path) -> None:
    """A copy of the Rasa project with the published store written into it."""
    domain_path = runtime.settings.domain_path
    root = domain_path.parent
    shutil.copytree(root / "nlu_data", scratch / "nlu_data")
    shutil.copy2(domain_path, scratch / "domain.yml")
    async with runtime.sessions() as db:
        records = await service.published_records(db)
    nlu = {p.name: p.read_text(encoding="utf-8") for p in (scratch / "nlu_data").glob("*.yml")}
    for relative, text in export_files(records, nlu, domain_path.read_text("utf-8")).items():
        (scratch / relative).write_text(text, encoding="utf-8")


async def _finish(runtime: Runtime, job_id: int, result: TrainingResult) -> None:
    message = result.gate.reason
    async with runtime.sessions() as db:
        job = await db.get(TrainingJob, job_id)
        if job is None:
            return
        job.accuracy = result.candidate.accuracy
        job.baseline_accuracy = result.baseline.accuracy if result.baseline else None
        job.model_path = str(result.model_path) if result.model_path else None
        job.finished_at = utcnow()
        job.message = message
        job.percent = 100
        if result.deployed:
            job.status = JobStatus.DEPLOYED
            job.stage = "done"
            state = await db.get(ModelState, 1)
            if state is None:
                state = ModelState(id=1, fingerprint=job.fingerprint)
                db.add(state)
            job.replaced_path = state.model_path
            job.replaced_fingerprint = state.fingerprint
            state.fingerprint = job.fingerprint
            state.model_path = str(result.model_path)
            state.updated_at = utcnow()
        else:
            job.status = JobStatus.REFUSED
        service.write_audit(
            db,
            AuditAction.RETRAIN,
            actor_id=job.requested_by,
            key=None,
            version=None,
            detail=f"training job {job_id} {job.status}: {message}",
        )
        await db.commit()


async def _update(runtime: Runtime, job_id: int, **values: Any) -> None:
    async with runtime.sessions() as db:
        job = await db.get(TrainingJob, job_id)
        if job is None:
            return
        for name, value in values.items():
            setattr(job, name, value)
        if values.get("status") in (JobStatus.FAILED, JobStatus.REFUSED, JobStatus.DEPLOYED):
            job.finished_at = utcnow()
        await db.commit()


async def _release(runtime: Runtime, token: str) -> None:
    # Only our own lock: a job that outlived its TTL must not free a newer job's lock.
    current = await runtime.redis.get(redis_keys.FAQ_TRAINING_LOCK)
    if (
        current is not None
        and (current.decode() if isinstance(current, bytes) else current) == token
    ):
        await runtime.redis.delete(redis_keys.FAQ_TRAINING_LOCK)
