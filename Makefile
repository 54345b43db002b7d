# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format bench messages

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned requirements into $(VENV) (log: $(VENV)/pip.log)..."
	@$(BIN)/python -m pip install --disable-pip-version-check -r requirements-dev.txt > $(VENV)/pip.log 2>&1 \
		|| (tail -30 $(VENV)/pip.log; exit 1)
	touch $(STAMP)

install: $(STAMP)

## Start the portal with demo data: web, Celery worker and beat (SQLite + filesystem broker by default).
run: install
	bash scripts/run.sh

## Install everything (incl. Chromium for the browser tests) and run the whole test suite.
test:
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	cd . && $(BIN)/python manage.py makemessages -l da --ignore=.venv --ignore=var && $(BIN)/python manage.py compilemessages --ignore=.venv

bench: install
	bash scripts/bench.sh
