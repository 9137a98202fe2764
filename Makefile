# The two commands a newcomer needs: `make run` (set up, train, start everything) and
# `make test` (set up, run the test suite). Both bootstrap .venv/ themselves.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test test-fast validate train lock clean bench

setup:
	@bash scripts/setup.sh

run: setup
	$(BIN)/dvc-bot serve

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

validate: setup
	$(BIN)/python -m rasa data validate --domain bot/domain.yml --data data/nlu bot/data --config bot/config.yml

train: setup
	$(BIN)/dvc-bot train

lock:
	bash scripts/lock.sh

clean:
	rm -rf models var .pytest_cache

bench: setup
	$(BIN)/python benchmarks/webhook_ack.py
