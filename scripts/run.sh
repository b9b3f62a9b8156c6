#!/usr/bin/env bash
# The whole product locally: set-up (skipped when done), training (skipped when unchanged),
# then a private Redis, the fake Messenger platform, Rasa, the app and a worker.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/train.sh"
cd "$ROOT"
exec "$APP_VENV/bin/python" -m scripts.stack run
