.PHONY: run test setup train bench evaluate

run:      ## set up, train if needed, start everything with the demo brand
	scripts/run.sh

test:     ## set up (with Chromium), train if needed, lint, type-check, run every test
	scripts/test.sh

setup:
	scripts/setup.sh

train:
	scripts/train.sh

bench:    ## end-to-end latency and throughput vs bare Rasa (see README)
	scripts/setup.sh && scripts/train.sh && .venv-app/bin/python -m scripts.bench

evaluate: ## per-class quality on the held-out set
	scripts/setup.sh && scripts/train.sh && .venv-app/bin/python -m scripts.evaluate_nlu
