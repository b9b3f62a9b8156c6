"""Building the analyzer from settings. The model is loaded once per process (a few hundred MB
of weights), whatever the number of apps the process creates."""

from __future__ import annotations

import functools
from pathlib import Path

from agent.escalation.policy import PolicyConfig
from agent.settings import SIGNALS_MODEL_DIR, Settings
from agent.signals.analyzer import Analyzer, IntentSource
from agent.signals.encoder import TransformersEncoder, packaged_minilm_path
from agent.signals.model import SignalModel
from agent.signals.person_requests import load_person_requests
from agent.signals.rules import load_rules


@functools.cache
def cached_model(
    model_dir: Path = SIGNALS_MODEL_DIR, encoder_path: Path | None = None, threads: int = 2
) -> SignalModel:
    """The trained heads with their encoder (the packaged MiniLM unless a folder is given)."""
    encoder = TransformersEncoder(encoder_path or packaged_minilm_path(), threads=threads)
    return SignalModel.load(model_dir, encoder)


def load_model(settings: Settings) -> SignalModel:
    return cached_model(
        settings.signals_model_dir, settings.signals_encoder_path, settings.signals_threads
    )


def build_analyzer(settings: Settings, intents: IntentSource | None) -> Analyzer:
    return Analyzer(
        model=load_model(settings),
        rules=load_rules(settings.urgency_rules_path),
        intents=intents,
        faq_min_confidence=settings.faq_min_confidence,
        person_requests=load_person_requests(settings.person_requests_path),
        guarded_critical_min=settings.signals_guarded_critical_min,
        high_rule_critical_min=settings.signals_high_rule_critical_min,
    )


def policy_config(settings: Settings) -> PolicyConfig:
    return PolicyConfig(
        fallbacks_in_a_row=settings.escalation_fallbacks_in_a_row,
        sentiment_drop=settings.escalation_sentiment_drop,
        sentiment_window=settings.escalation_sentiment_window,
        escalate_high_negative=settings.escalation_high_negative,
        high_always=frozenset(settings.escalation_high_always),
    )
