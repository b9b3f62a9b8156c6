"""Retraining jobs around the runner, on the real database and Redis: a job on a broken
training set fails with the reason and frees the lock; a job left running by a stopped app
is marked failed; the last deployed model is loaded back into a Rasa that restarted with
another one. (A full training runs in tests/e2e/test_studio_retrain.py.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from agent import redis_keys
from agent.dialogue.rasa_client import RasaClient
from agent.errors import Conflict
from agent.faq import jobs, service
from agent.faq.bootstrap import import_missing
from agent.faq.models import FaqAudit, FaqEntry, FaqVersion, JobStatus, ModelState, TrainingJob
from agent.runtime import Runtime, build_runtime
from agent.settings import Settings


@pytest.fixture
async def runtime(settings: Settings, redis: Redis) -> AsyncIterator[Runtime]:
    built = build_runtime(settings)
    await import_missing(
        built.sessions,
        nlu_dir=settings.domain_path.parent / "nlu_data",
        domain_path=settings.domain_path,
    )
    yield built
    await built.close()


class FakeRasa:
    """`/status` and the model swap channel of one Rasa server."""

    def __init__(self, serving: str | None) -> None:
        self.serving = serving
        self.loads: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_file": self.serving})
        if request.url.path == "/webhooks/model_swap/load" and request.method == "PUT":
            path = json.loads(request.content)["model_file"]
            self.loads.append(path)
            self.serving = Path(path).name
            return httpx.Response(200, json={"model_file": self.serving})
        return httpx.Response(404)


def use_rasa(runtime: Runtime, fake: FakeRasa) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake))
    runtime.http = http
    runtime.rasa = RasaClient(http, base_url=runtime.settings.rasa_url)


async def test_a_broken_training_set_fails_the_job_with_the_reason_and_frees_the_lock(
    runtime: Runtime, redis: Redis
) -> None:
    async with runtime.sessions() as db:
        shipping = await service.live_version(db, "shipping_time")
        assert shipping is not None
        db.add(FaqEntry(key="broken", source_file="faq_more.yml", file_position=0, position=99))
        await db.flush()
        db.add(
            FaqVersion(
                key="broken",
                number=1,
                status="published",
                questions=shipping.questions,
                answers={"en": "x", "ja": "エックスです。"},
            )
        )
        await db.commit()
    fake = FakeRasa("current.tar.gz")
    use_rasa(runtime, fake)
    job_id = await jobs.start(runtime, requested_by=None)
    with pytest.raises(Exception, match="already being trained"):
        await jobs.start(runtime, requested_by=None)
    await asyncio.wait_for(asyncio.gather(*runtime.background), timeout=60)
    async with runtime.sessions() as db:
        job = await db.get(TrainingJob, job_id)
        assert job is not None
        assert job.status == JobStatus.FAILED and job.stage == "validate"
        assert "broken" in job.message and "shipping_time" in job.message
        audit = (await db.execute(select(FaqAudit).where(FaqAudit.action == "retrain"))).scalars()
        assert [a.detail for a in audit] == [f"training job {job_id} started"]
        state = await db.get(ModelState, 1)
        assert state is not None and state.model_path is None  # the live model stays
    assert fake.loads == []
    assert await redis.get(redis_keys.FAQ_TRAINING_LOCK) is None


async def test_a_job_left_running_by_a_stopped_app_is_marked_failed(
    runtime: Runtime, redis: Redis
) -> None:
    async with runtime.sessions() as db:
        db.add(TrainingJob(fingerprint="x", status=JobStatus.RUNNING, stage="train", percent=40))
        await db.commit()
    await redis.set(redis_keys.FAQ_TRAINING_LOCK, "live-job", ex=60)
    assert await jobs.recover(runtime) == 0  # its lock is held: it still runs somewhere
    await redis.delete(redis_keys.FAQ_TRAINING_LOCK)
    assert await jobs.recover(runtime) == 1
    async with runtime.sessions() as db:
        job = (await db.execute(select(TrainingJob))).scalar_one()
        assert job.status == JobStatus.FAILED and "interrupted" in job.message


async def test_the_deployed_model_is_loaded_back_after_rasa_restarts(
    runtime: Runtime, redis: Redis, tmp_path: Path
) -> None:
    deployed = tmp_path / "studio-7.tar.gz"
    deployed.write_bytes(b"model")
    async with runtime.sessions() as db:
        state = await service.model_state(db)
        assert state is not None
        state.model_path = str(deployed)
        await db.commit()
    fake = FakeRasa(None)  # still starting
    use_rasa(runtime, fake)

    async def rasa_comes_up() -> None:
        await asyncio.sleep(0.3)
        fake.serving = "current.tar.gz"

    restored, _ = await asyncio.gather(
        jobs.restore_deployed(runtime, wait_s=10, every_s=0.1), rasa_comes_up()
    )
    assert restored is True and fake.loads == [str(deployed)]
    assert await redis.get(redis_keys.FAQ_TRAINING_LOCK) is None
    # Serving it already: nothing to do.
    assert await jobs.restore_deployed(runtime, wait_s=1, every_s=0.1) is False
    assert fake.loads == [str(deployed)]
    # A deployed file that is gone leaves Rasa as it is.
    deployed.unlink()
    fake.serving = "current.tar.gz"
    assert await jobs.restore_deployed(runtime, wait_s=1, every_s=0.1) is False
    assert fake.loads == [str(deployed)]


async def test_the_previous_model_can_be_put_back(
    runtime: Runtime, redis: Redis, tmp_path: Path
) -> None:
    first = tmp_path / "studio-1.tar.gz"
    second = tmp_path / "studio-2.tar.gz"
    for path in (first, second):
        path.write_bytes(b"model")
    async with runtime.sessions() as db:
        state = await service.model_state(db)
        assert state is not None
        state.model_path, state.fingerprint = str(second), "fp-2"
        db.add(
            TrainingJob(
                fingerprint="fp-2",
                status=JobStatus.DEPLOYED,
                model_path=str(second),
                replaced_path=str(first),
                replaced_fingerprint="fp-1",
            )
        )
        await db.commit()
    fake = FakeRasa("studio-2.tar.gz")
    use_rasa(runtime, fake)
    await redis.set(redis_keys.FAQ_TRAINING_LOCK, "a-job", ex=60)
    with pytest.raises(Conflict, match="being trained"):
        await jobs.roll_back_model(runtime, actor_id=None)
    await redis.delete(redis_keys.FAQ_TRAINING_LOCK)

    job = await jobs.roll_back_model(runtime, actor_id=None)
    assert job.status == JobStatus.ROLLED_BACK and "studio-1.tar.gz" in job.message
    assert fake.loads == [str(first)] and fake.serving == "studio-1.tar.gz"
    async with runtime.sessions() as db:
        state = await service.model_state(db)
        assert state is not None
        assert (state.model_path, state.fingerprint) == (str(first), "fp-1")
        audit = (await db.execute(select(FaqAudit).where(FaqAudit.action == "retrain"))).scalars()
        assert any("rolled back to studio-1.tar.gz" in a.detail for a in audit)
    assert await redis.get(redis_keys.FAQ_TRAINING_LOCK) is None
    # Nothing deployed from the studio any more: nothing to roll back.
    with pytest.raises(Conflict, match="nothing to roll back"):
        await jobs.roll_back_model(runtime, actor_id=None)
