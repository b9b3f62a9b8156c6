#!/usr/bin/env bash
# The whole test suite: set-up (with Chromium), training if needed, lint, types, then pytest.
# PostgreSQL tests run too when DATABASE_URL points at a PostgreSQL server.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh" --browser
"$ROOT/scripts/train.sh"
cd "$ROOT"
say "ruff"
"$APP_VENV/bin/ruff" check .
"$APP_VENV/bin/ruff" format --check .
say "mypy"
"$APP_VENV/bin/mypy"
say "rasa data validate"
TF_CPP_MIN_LOG_LEVEL=2 "$RASA_VENV/bin/rasa" data validate --config config.yml --domain domain.yml \
  --data nlu_data --fail-on-warnings --quiet
say "pytest"
PYTHONPATH="$ROOT" "$APP_VENV/bin/python" -m pytest "$@"
