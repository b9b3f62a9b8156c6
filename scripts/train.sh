#!/usr/bin/env bash
# Trains what changed, each fingerprinted by its inputs; otherwise does nothing:
# the signal model (models/signals/, ~2 min) and the Rasa model (models/current.tar.gz, ~5 min).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

signal_inputs=(requirements/app-constraints.txt agent/signals/urgency_rules.yml
  agent/signals/data/general_sentiment.tsv $(find agent/signals/data -name '*.jsonl' | sort) $(find agent/signals nlu_data -name '*.py' -o -name '*.yml' | sort))
signal_fingerprint="$(hash_files "${signal_inputs[@]}")"
if [ -f models/signals/signals.joblib ] && [ "$(cat models/signals/.fingerprint 2>/dev/null)" = "$signal_fingerprint" ]; then
  say "signal model is up to date (models/signals)"
else
  say "training the signal model"
  PYTHONPATH="$ROOT" "$APP_VENV/bin/python" -m agent.signals.train
  echo "$signal_fingerprint" > models/signals/.fingerprint
fi

# The custom pipeline components' code is part of the model: they train or read with it.
inputs=(config.yml domain.yml requirements/rasa-constraints.txt rasa_addons/order_details.py
  rasa_addons/unknown_words.py actions/reading.py $(find nlu_data -name '*.yml' | sort))
fingerprint="$(hash_files "${inputs[@]}")"
if [ -f models/current.tar.gz ] && [ "$(cat models/.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
  say "Rasa model is up to date (models/current.tar.gz)"
  exit 0
fi
say "training the Rasa model (training data changed)"
start=$(date +%s)
TF_CPP_MIN_LOG_LEVEL=2 "$RASA_VENV/bin/rasa" train --config config.yml --domain domain.yml \
  --data nlu_data --out models --fixed-model-name current --quiet
echo "$fingerprint" > models/.fingerprint
say "trained in $(( $(date +%s) - start )) s"
