#!/usr/bin/env bash
# Builds both Python environments from the repo's files and installs the system programs the
# product needs. Re-running is quick: each step is skipped when its inputs have not changed.
# Usage: scripts/setup.sh [--browser]   (--browser also installs Chromium for the browser tests)
source "$(dirname "$0")/lib.sh"

with_browser=0
[ "${1:-}" = "--browser" ] && with_browser=1

# --- system programs --------------------------------------------------------------------------
command -v redis-server >/dev/null 2>&1 || apt_install redis-server
if [ "$with_browser" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  apt_install chromium chromium-driver
fi
# Japanese text and emoji in browser screenshots need fonts.
if [ "$with_browser" = 1 ] && ! { fc-list :lang=ja 2>/dev/null | grep -q . && fc-list 2>/dev/null | grep -qi emoji; }; then
  apt_install fonts-noto-cjk fonts-noto-color-emoji fontconfig
fi

# --- app environment (Python 3.11) -------------------------------------------------------------
app_inputs=("$ROOT/requirements/app.in" "$ROOT/requirements/app-constraints.txt")
app_hash="$(hash_files "${app_inputs[@]}")"
if [ "$(cat "$APP_VENV/.stamp" 2>/dev/null)" != "$app_hash" ]; then
  py311="$(find_python 3.11 "${PYTHON311:-}")"
  [ -n "$py311" ] || die "Python 3.11 not found: install it (e.g. 'pyenv install 3.11') or set PYTHON311=/path/to/python3.11"
  say "building the app environment ($py311)"
  [ -x "$APP_VENV/bin/python" ] || "$py311" -m venv "$APP_VENV"
  "$APP_VENV/bin/pip" install -q -r "$ROOT/requirements/app.in" -c "$ROOT/requirements/app-constraints.txt"
  echo "$app_hash" > "$APP_VENV/.stamp"
fi

# --- Rasa environment (Python 3.10, always with the constraints file) --------------------------
rasa_inputs=("$ROOT/requirements/rasa.in" "$ROOT/requirements/rasa-constraints.txt")
rasa_hash="$(hash_files "${rasa_inputs[@]}")"
if [ "$(cat "$RASA_VENV/.stamp" 2>/dev/null)" != "$rasa_hash" ]; then
  py310="$(find_python 3.10 "${PYTHON310:-}")"
  [ -n "$py310" ] || die "Python 3.10 not found (Rasa 3.6.21 needs it): install it (e.g. 'pyenv install 3.10.13' or 'apt install python3.10-venv') or set PYTHON310=/path/to/python3.10"
  say "building the Rasa environment ($py310; takes a few minutes the first time)"
  [ -x "$RASA_VENV/bin/python" ] || "$py310" -m venv "$RASA_VENV"
  "$RASA_VENV/bin/pip" install -q -r "$ROOT/requirements/rasa.in" -c "$ROOT/requirements/rasa-constraints.txt"
  "$RASA_VENV/bin/pip" check >/dev/null || die "the Rasa environment is inconsistent: run '$RASA_VENV/bin/pip check'"
  echo "$rasa_hash" > "$RASA_VENV/.stamp"
fi

# The Japanese tokenizer pipeline Rasa's config points at (only its path is stored in a model).
if [ ! -f "$ROOT/models/spacy_ja/config.cfg" ]; then
  say "saving the Japanese spaCy pipeline to models/spacy_ja"
  "$RASA_VENV/bin/python" "$ROOT/scripts/make_spacy_ja.py" "$ROOT/models/spacy_ja"
fi
