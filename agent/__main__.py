"""`python -m agent {migrate|seed-demo|worker|insight-rebuild|faq-import|faq-export}`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from agent.settings import REPO_ROOT, Settings


def migrate(settings: Settings) -> None:
    from alembic import command
    from alembic.config import Config

    from agent.db import sync_url

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "agent" / "migrations"))
    config.set_main_option("sqlalchemy.url", sync_url(settings.database_url).replace("%", "%%"))
    command.upgrade(config, "head")


async def seed_demo(settings: Settings) -> None:
    """The demo brand's staff accounts and CRM customers, where missing (idempotent)."""
    from agent.crm.demo import load_demo
    from agent.crm.demo import seed_demo as seed_crm
    from agent.db import create_engine, sessionmaker
    from agent.handoff.staff import load_demo_staff, seed_demo_staff

    engine = create_engine(settings.database_url)
    sessions = sessionmaker(engine)
    try:
        async with sessions() as session:
            staff = await seed_demo_staff(session, load_demo_staff())
            await session.commit()
        customers = await seed_crm(sessions, load_demo())
    finally:
        await engine.dispose()
    logging.getLogger(__name__).info(
        "demo data: %d staff accounts and %d CRM records created", staff, customers
    )


async def run_worker(settings: Settings) -> None:
    from agent.pipeline.worker import Worker
    from agent.runtime import build_runtime

    runtime = build_runtime(settings)
    worker = Worker(
        redis=runtime.redis,
        queue=runtime.queue,
        deps=runtime.turn_deps(),
        batch=settings.worker_batch,
        concurrency=settings.worker_concurrency,
        block_ms=settings.worker_block_ms,
        max_backoff_s=settings.worker_max_backoff_s,
        claim_idle_ms=settings.worker_claim_idle_ms,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    try:
        await worker.run()
    finally:
        await runtime.close()


async def insight_rebuild(settings: Settings) -> None:
    """Recompute the dashboard's rollups over the whole record (after an import, or a change
    to the crisis words, which the subject rollup depends on)."""
    from agent.records.models import utcnow
    from agent.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        chunks = await runtime.insight_job().rebuild(utcnow())
    finally:
        await runtime.close()
    logging.getLogger(__name__).info("insight rollups rebuilt (%d chunks)", chunks)


async def faq_import(settings: Settings) -> None:
    """FAQ keys in the Rasa files that the store lacks, added as published (the app does this
    at start-up too). Keys the store has are left alone: the studio owns them."""
    from agent.db import create_engine, sessionmaker
    from agent.faq.bootstrap import import_missing

    engine = create_engine(settings.database_url)
    try:
        added = await import_missing(
            sessionmaker(engine),
            nlu_dir=settings.domain_path.parent / "nlu_data",
            domain_path=settings.domain_path,
        )
    finally:
        await engine.dispose()
    logging.getLogger(__name__).info("FAQ store: %d key(s) imported", added)


async def faq_export(settings: Settings, out: Path) -> None:
    """The published store written as Rasa files under `out` (the repo root to commit it)."""
    from agent.db import create_engine, sessionmaker
    from agent.faq import service
    from agent.faq.files import export_files

    engine = create_engine(settings.database_url)
    try:
        async with sessionmaker(engine)() as session:
            records = await service.published_records(session)
    finally:
        await engine.dispose()
    nlu_dir = settings.domain_path.parent / "nlu_data"
    nlu = {p.name: p.read_text(encoding="utf-8") for p in sorted(nlu_dir.glob("*.yml"))}
    files = export_files(records, nlu, settings.domain_path.read_text(encoding="utf-8"))
    for relative, text in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    logging.getLogger(__name__).info("FAQ store: %d file(s) written under %s", len(files), out)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m agent")
    parser.add_argument(
        "command",
        choices=["migrate", "seed-demo", "worker", "insight-rebuild", "faq-import", "faq-export"],
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT, help="faq-export: where to write")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()  # type: ignore[call-arg]  # read from the environment
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "seed-demo":
        if settings.demo_data:
            asyncio.run(seed_demo(settings))
    elif args.command == "insight-rebuild":
        asyncio.run(insight_rebuild(settings))
    elif args.command == "faq-import":
        asyncio.run(faq_import(settings))
    elif args.command == "faq-export":
        asyncio.run(faq_export(settings, args.out))
    else:
        asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
