"""Filling the FAQ store from the repo's Rasa files when it lacks keys (a new install, or
keys added to the files by hand), at start-up and by `python -m agent faq-import`."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent.faq import service
from agent.faq.files import read_files

log = logging.getLogger(__name__)


async def import_missing(
    sessions: async_sessionmaker[AsyncSession], *, nlu_dir: Path, domain_path: Path
) -> int:
    records = read_files(nlu_dir, domain_path)
    async with sessions() as session:
        try:
            added = await service.import_records(session, records)
            await session.commit()
        except IntegrityError:
            # Another process imported the same keys at the same moment: theirs stand.
            await session.rollback()
            return 0
    if added:
        log.info("FAQ store: %d key(s) imported from %s and %s", added, nlu_dir, domain_path)
    return added
