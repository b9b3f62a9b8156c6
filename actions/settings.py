"""The action server's settings, read from the environment (prefix ACTIONS_; see .env.example).

The CRM's URL and token have no default: the server refuses to start without them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_PORT = 5055


class ConfigError(Exception):
    """A setting is missing or malformed."""


@dataclass(frozen=True)
class ActionSettings:
    crm_url: str  # the app's CRM API, e.g. http://127.0.0.1:8000/crm/v1
    crm_token: str
    crm_timeout_s: float = 5.0
    host: str = "127.0.0.1"  # rasa-sdk's own default is every interface
    port: int = DEFAULT_PORT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ActionSettings:
        env = os.environ if environ is None else environ
        missing = [name for name in ("ACTIONS_CRM_URL", "ACTIONS_CRM_TOKEN") if not env.get(name)]
        if missing:
            raise ConfigError(f"the action server needs {' and '.join(missing)}")
        try:
            return cls(
                crm_url=env["ACTIONS_CRM_URL"].rstrip("/"),
                crm_token=env["ACTIONS_CRM_TOKEN"],
                crm_timeout_s=float(env.get("ACTIONS_CRM_TIMEOUT_S") or 5.0),
                host=env.get("ACTIONS_HOST") or "127.0.0.1",
                port=int(env.get("ACTIONS_PORT") or DEFAULT_PORT),
            )
        except ValueError as exc:
            raise ConfigError(f"malformed action server setting: {exc}") from exc
