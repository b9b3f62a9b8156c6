"""The action server refuses to start without the CRM's URL and token."""

from __future__ import annotations

import pytest

from actions.settings import ActionSettings, ConfigError


def test_settings_come_from_the_environment() -> None:
    settings = ActionSettings.from_env(
        {
            "ACTIONS_CRM_URL": "http://127.0.0.1:8000/crm/v1/",
            "ACTIONS_CRM_TOKEN": "t",
            "ACTIONS_PORT": "5056",
        }
    )
    assert settings.crm_url == "http://127.0.0.1:8000/crm/v1"
    assert (settings.host, settings.port, settings.crm_timeout_s) == ("127.0.0.1", 5056, 5.0)


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"ACTIONS_CRM_URL": "http://x"},
        {"ACTIONS_CRM_TOKEN": "t"},
        {"ACTIONS_CRM_URL": "", "ACTIONS_CRM_TOKEN": "t"},
    ],
)
def test_a_missing_crm_setting_fails_fast(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="ACTIONS_CRM_"):
        ActionSettings.from_env(env)


def test_a_malformed_port_fails_fast() -> None:
    env = {"ACTIONS_CRM_URL": "http://x", "ACTIONS_CRM_TOKEN": "t", "ACTIONS_PORT": "eighty"}
    with pytest.raises(ConfigError):
        ActionSettings.from_env(env)
