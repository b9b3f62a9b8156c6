"""Building the clients a process needs from its settings. Nothing connects at import time."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agent.crm.base import Crm
from agent.crm.errors import CrmError
from agent.crm.http import HttpCrm
from agent.crm.sql import SqlCrm
from agent.db import create_engine, sessionmaker
from agent.dialogue.rasa_client import RasaClient
from agent.escalation.policy import PolicyConfig
from agent.faq.published import PublishedContent
from agent.handoff import models as _handoff_models  # noqa: F401  (staff table for foreign keys)
from agent.handoff.config import HandoffConfig, load_handoff_config
from agent.handoff.queue import EscalationQueue
from agent.handoff.service import HandoffService
from agent.inbox.queue import InboundQueue
from agent.insight.config import InsightConfig, load_insight_config
from agent.insight.jobs import InsightJob
from agent.nlg.responses import Responses, load_responses
from agent.pipeline.order import ReorderPolicy
from agent.pipeline.turn import SendClient, TurnDeps
from agent.settings import Settings
from agent.signals.analyzer import Analyzer
from agent.signals.loader import build_analyzer, policy_config
from connectors.events import Channel
from connectors.messenger.client import MessengerClient
from connectors.x.client import XClient

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    queue: InboundQueue
    http: httpx.AsyncClient
    rasa: RasaClient
    responses: Responses
    policy: PolicyConfig
    handoff_config: HandoffConfig
    escalations: EscalationQueue
    insight_config: InsightConfig
    published: PublishedContent
    # Background work this process started (a retraining job): cancelled on shutdown.
    background: set[asyncio.Task[Any]] = field(default_factory=set)
    _analyzer: Analyzer | None = field(default=None, repr=False)

    def analyzer(self) -> Analyzer:
        """Built on first use: loading the encoder takes a second or two and ~300 MB."""
        if self._analyzer is None:
            self._analyzer = build_analyzer(self.settings, self.rasa)
        return self._analyzer

    def use_analyzer(self, analyzer: Analyzer) -> None:
        """Replace the analyzer (tests: one whose intents come from a scripted Rasa)."""
        self._analyzer = analyzer

    def crm(self) -> Crm:
        settings = self.settings
        if settings.crm_url is None:
            return SqlCrm(self.sessions)
        return HttpCrm(
            self.http,
            base_url=settings.crm_url,
            token=settings.crm_token.get_secret_value() if settings.crm_token else "",
        )

    async def tier_of(self, channel: str, customer_id: str) -> str | None:
        """The CRM tier of a social identity, for an escalation's priority. A CRM that is
        down or does not know the person leaves it unknown: the escalation never waits."""
        try:
            customer = await self.crm().find_by_identity(channel, customer_id)
        except (CrmError, ValueError) as exc:
            log.warning("CRM tier of %s:%s unknown: %s", channel, customer_id, exc)
            return None
        return customer.tier.value if customer else None

    def handoff(self) -> HandoffService:
        return HandoffService(
            sessions=self.sessions,
            redis=self.redis,
            queue=self.escalations,
            inbound=self.queue,
            config=self.handoff_config,
            responses=self.responses,
        )

    def insight_job(self) -> InsightJob:
        settings = self.settings
        secret = settings.crisis_webhook_secret
        return InsightJob(
            sessions=self.sessions,
            redis=self.redis,
            http=self.http,
            config=self.insight_config,
            time_zone=self.handoff_config.calendar.time_zone,
            lookback=timedelta(seconds=settings.insight_lookback_s),
            webhook_url=settings.crisis_webhook_url,
            webhook_secret=secret.get_secret_value() if secret else None,
        )

    def turn_deps(self, http: httpx.AsyncClient | None = None) -> TurnDeps:
        """The worker's dependencies; `http` replaces the platform transport (tests)."""
        settings = self.settings
        platform_http = http or self.http
        clients: dict[tuple[str, str], SendClient] = {}
        # Instagram goes through the Messenger Platform path: same host, the Page's token.
        for channel in (Channel.MESSENGER, Channel.INSTAGRAM):
            for account_id, token in settings.send_tokens(channel).items():
                clients[channel, account_id] = MessengerClient(
                    platform_http,
                    base_url=settings.graph_api_base,
                    graph_version=settings.graph_api_version,
                    page_token=token.get_secret_value(),
                )
        for account_id, token in settings.send_tokens(Channel.X).items():
            clients[Channel.X, account_id] = XClient(
                platform_http, base_url=settings.x_api_base, user_token=token.get_secret_value()
            )
        return TurnDeps(
            sessions=self.sessions,
            rasa=self.rasa,
            clients=clients,
            responses=self.responses,
            analyzer=self.analyzer(),
            policy=self.policy,
            handoff=self.handoff(),
            tier_of=self.tier_of,
            reorder=ReorderPolicy(
                late_after_s=settings.worker_late_after_s,
                hold_s=settings.worker_reorder_hold_s,
                max_hold_s=settings.worker_reorder_max_hold_s,
            ),
            activity_after_s=settings.worker_activity_after_s,
        )

    async def close(self) -> None:
        await self.http.aclose()
        await self.redis.aclose()
        await self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    engine = create_engine(settings.database_url)
    sessions = sessionmaker(engine)
    redis = Redis.from_url(settings.redis_url)
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.rasa_timeout_s, connect=2.0),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        redis=redis,
        queue=InboundQueue(redis, dedup_ttl_s=settings.dedup_ttl_s),
        http=http,
        rasa=RasaClient(
            http,
            base_url=settings.rasa_url,
            token=settings.rasa_token.get_secret_value() if settings.rasa_token else None,
        ),
        responses=load_responses(settings.domain_path),
        policy=policy_config(settings),
        handoff_config=load_handoff_config(settings.handoff_config_path),
        escalations=EscalationQueue(redis),
        insight_config=load_insight_config(settings.insight_config_path),
        published=PublishedContent(sessions, redis),
    )
