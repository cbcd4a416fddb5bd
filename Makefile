# Live Social Analytics — the two commands that matter: `make run` and `make test`.
# Every target creates the virtual environment first, so a fresh clone needs nothing else.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA   ?= data
ROLE   ?= admin
CLIENT ?=

.DEFAULT_GOAL := help
.PHONY: help install run demo test test-unit test-integration test-e2e test-moved-clock bench lint format migrate token lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install (reproducibly, from constraints.txt)

run: $(STAMP) ## run the whole system on this machine (broker, emulator, five services, gateway :8000)
	$(BIN)/lsa up --data-dir $(DATA)

demo: $(STAMP) ## with `make run` up: load the demo portfolio (CLIENTS=50 clients, a year of history)
	$(BIN)/lsa demo $(if $(CLIENTS),--clients $(CLIENTS),)

# The unit suite as it is ("now") and again with the machine's clock moved: months ahead across a
# month end, across a year end, and across a US/Pacific DST change — side by side (tests/moved_clock.py).
MOVED_CLOCKS ?= now 2027-06-30T23:59:00+00:00 2027-12-31T23:59:30+00:00 2027-03-14T09:59:00+00:00

test: $(STAMP) ## run every test: integration (real broker, SQLite + PostgreSQL), e2e, then unit (also with moved clocks)
	$(BIN)/pytest tests/integration tests/e2e
	$(MAKE) --no-print-directory test-moved-clock

test-unit: $(STAMP) ## unit tests only (no broker, no database server)
	$(BIN)/pytest tests/unit

test-integration: $(STAMP) ## integration tests (starts its own broker; PostgreSQL on 127.0.0.1:5432)
	$(BIN)/pytest tests/integration

test-e2e: $(STAMP) ## end-to-end: starts the system as `make run` does and drives it over HTTP
	$(BIN)/pytest tests/e2e

test-moved-clock: $(STAMP) ## the unit suite, as is and with the system clock moved (no outcome may change)
	$(BIN)/python -m tests.moved_clock $(MOVED_CLOCKS)

bench: $(STAMP) ## benchmarks: ingestor sync rate, history latency, analytics intake, analytics read APIs
	$(BIN)/python -m bench.ingestor $(BENCH_ARGS)
	$(BIN)/python -m bench.history_latency
	$(BIN)/python -m bench.analytics_intake
	$(BIN)/python -m bench.analytics_api

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP) ## apply every service's migrations to its configured database
	$(BIN)/lsa migrate

token: $(STAMP) ## print a bearer token: make token ROLE=admin | make token ROLE=client CLIENT=<id>
	@$(BIN)/lsa token --role $(ROLE) $(if $(CLIENT),--client-id $(CLIENT),)

lock: $(STAMP) ## re-pin constraints.txt from the current environment
	@{ head -n 2 constraints.txt; $(BIN)/python -m pip freeze --exclude-editable; } > constraints.tmp
	@mv constraints.tmp constraints.txt

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
