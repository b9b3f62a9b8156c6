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
# What runs in the Rasa environment (Python 3.10), against it: the action server, the NLU rules.
action_tests=$(cd actions/tests && for f in *.py; do printf -- '-m %s ' "${f%.py}"; done)
# shellcheck disable=SC2086  # one word per module
MYPYPATH=actions/tests "$APP_VENV/bin/mypy" --python-executable "$RASA_VENV/bin/python" \
  --python-version 3.10 -p actions -m rasa_addons.order_details -m rasa_addons.model_swap \
  -m rasa_addons.evaluate_model -m rasa_addons.unknown_words $action_tests
say "rasa data validate"
TF_CPP_MIN_LOG_LEVEL=2 "$RASA_VENV/bin/rasa" data validate --config config.yml --domain domain.yml \
  --data nlu_data --fail-on-warnings --quiet
say "pytest (Rasa environment: custom actions, NLU rules)"
PYTHONPATH="$ROOT" "$RASA_VENV/bin/python" -m pytest -c actions/tests/pytest.ini actions/tests -q \
  -p no:cacheprovider
say "pytest"
PYTHONPATH="$ROOT" "$APP_VENV/bin/python" -m pytest "$@"
