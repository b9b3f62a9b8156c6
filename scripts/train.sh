#!/usr/bin/env bash
# Trains the Rasa model when the training inputs changed (fingerprinted); otherwise does nothing.
# The model is models/current.tar.gz.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

inputs=(config.yml domain.yml requirements/rasa-constraints.txt $(find nlu_data -name '*.yml' | sort))
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
