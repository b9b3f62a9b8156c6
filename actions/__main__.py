"""The action server: `python -m actions` (Rasa env). Checks its settings first, then serves
rasa-sdk's webhook on ACTIONS_HOST (loopback by default) and ACTIONS_PORT."""

from __future__ import annotations

import logging
import sys

from actions.settings import ActionSettings, ConfigError


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = ActionSettings.from_env()
    except ConfigError as exc:
        sys.exit(f"action server not started: {exc}")
    from rasa_sdk.endpoint import create_app

    app = create_app("actions", cors_origins=None)
    app.run(settings.host, settings.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
