"""Typed errors. The tree:

AgentError
├── WebhookError                 mapped to HTTP in `agent.inbox.routes`
│   ├── SignatureError           403: missing or forged signature
│   ├── PayloadError             400: body is not a webhook payload (reason given)
│   └── PayloadTooLarge          413
├── TransientError               work is retried later, never dropped
│   ├── DatabaseUnavailable
│   ├── RasaUnavailable
│   │   └── RasaGaveNoReply  Rasa's REST channel answers 200 and [] when it fails inside
│   └── SendRetryable            platform said "try again" (timeout, 5xx, rate limit)
├── SendRejected                 platform refused for good; recorded on the message
└── ConsoleError                 mapped to HTTP in `agent.app`
    ├── BadRequest               400: dashboard filters it cannot use (reason given)
    ├── LoginRequired            401
    ├── NotAllowed               403: another team's conversation, a bad CSRF token
    ├── NotFound                 404
    └── Conflict                 409: claimed by someone else, already closed
        └── CannotTakeMore       409: at capacity, or not online
"""

from __future__ import annotations


class AgentError(Exception):
    """Base of every error the agent raises on purpose."""


class WebhookError(AgentError):
    status_code = 400


class SignatureError(WebhookError):
    status_code = 403


class PayloadError(WebhookError):
    status_code = 400


class PayloadTooLarge(WebhookError):
    status_code = 413


class TransientError(AgentError):
    """The work must be retried later; nothing is lost."""


class RasaUnavailable(TransientError):
    pass


class RasaGaveNoReply(RasaUnavailable):
    """Rasa answered nothing. Every rule of this bot replies, so this means Rasa failed inside
    (its REST channel hides exceptions behind a 200); retried a few times, then recorded."""


class DatabaseUnavailable(TransientError):
    """The database refused or dropped the connection."""


class SendRetryable(TransientError):
    def __init__(self, message: str, *, retry_after_s: float | None = None):
        super().__init__(message)
        # The platform said when to try again (X: x-rate-limit-reset).
        self.retry_after_s = retry_after_s


class SendRejected(AgentError):
    """A permanent refusal from the platform (bad recipient, expired token, window closed)."""

    def __init__(self, message: str, *, code: int | None = None, subcode: int | None = None):
        super().__init__(message)
        self.code = code
        self.subcode = subcode


class ConfigError(AgentError):
    """A brand-editable file (rules, policy) or a model file is missing or malformed."""


class SignalModelMissing(ConfigError):
    """The trained signal model is not on disk: run `python -m agent.signals.train`."""


class AnalyzeInputError(AgentError):
    """A request to the analyze API that cannot be judged (empty or oversized text)."""

    def __init__(self, message: str, *, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


class ConsoleError(AgentError):
    """A console or handoff request that cannot be done; mapped to HTTP in `agent.app`."""

    status_code = 400


class LoginRequired(ConsoleError):
    status_code = 401


class BadRequest(ConsoleError):
    """Parameters the console or the dashboard cannot use; the message says which."""

    status_code = 400


class NotAllowed(ConsoleError):
    status_code = 403


class NotFound(ConsoleError):
    status_code = 404


class Conflict(ConsoleError):
    """The state moved on: claimed by someone else, at capacity, already resolved."""

    status_code = 409


class ChecksFailed(ConsoleError):
    """A FAQ version that does not pass its checks; each finding says what to fix."""

    status_code = 422

    def __init__(self, message: str, *, findings: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.findings = findings


class CannotTakeMore(Conflict):
    """The person is at capacity or not online: no claim of theirs can succeed now."""
