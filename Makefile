# OutletCRM: two commands set everything up on a fresh machine.
#   make demo   – install, migrate, seed the demo company, serve at http://127.0.0.1:$(PORT)
#   make test   – install, then run the whole test suite on SQLite and on PostgreSQL
SHELL := /bin/bash
PORT ?= 8000
VENV ?= .venv
PY := $(VENV)/bin/python
OUTLETCRM := $(VENV)/bin/outletcrm
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml package-lock.json 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: demo test test-sqlite test-postgres install assets lint bench serve

$(PY):
	"$$(scripts/find-python)" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml package.json package-lock.json
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

assets:
	npm run --silent build

demo: install
	OUTLETCRM_ENV=demo $(OUTLETCRM) migrate --noinput -v0
	OUTLETCRM_ENV=demo $(OUTLETCRM) seed_demo --if-empty
	@# bin/outletcrm runs commands on this demo database when it finds the mark.
	@touch "$${OUTLETCRM_DATA_DIR:-var}/DEMO"
	@# The task worker runs background jobs (plan generation, optimisation) beside the server;
	@# the scheduler queues the nightly jobs of settings.SCHEDULE for it (docs/jobs.md).
	OUTLETCRM_ENV=demo $(OUTLETCRM) worker -v0 & worker=$$!; \
	OUTLETCRM_ENV=demo $(OUTLETCRM) scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	OUTLETCRM_ENV=demo $(OUTLETCRM) runserver 127.0.0.1:$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	npm test --silent
	OUTLETCRM_ENV=test $(OUTLETCRM) makemigrations --check --dry-run -v0
	OUTLETCRM_ENV=test $(OUTLETCRM) check

# Both database legs; PostgreSQL runs in a throwaway server that scripts/with-postgres starts.
test: install lint
	$(MAKE) --no-print-directory test-sqlite
	@# Redis too on this leg: the integration test runs serve, worker and scheduler on RQ.
	scripts/with-postgres scripts/with-redis $(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== tests on SQLite =="
	$(VENV)/bin/pytest -p no:cacheprovider

test-postgres:
	@echo "== tests on PostgreSQL =="
	DATABASE_URL="$${TEST_PG_URL:?set TEST_PG_URL or run via scripts/with-postgres}" $(VENV)/bin/pytest -p no:cacheprovider

bench: install
	$(PY) bench/archive_bench.py

# Rebuild the Chinese catalogue from scratch (no fuzzy guesses): collect msgids, refuse a
# short msgid used in two senses without a context and conflicting maps, fill the translations
# from the *.json maps beside it (the source of truth), compile. See scripts/po_fill.py.
i18n:
	$(PY) scripts/po_fill.py outletcrm/locale/zh_Hans/LC_MESSAGES/*.json
	cd outletcrm && PYTHONPATH=$(CURDIR) OUTLETCRM_ENV=test $(abspath $(PY)) -m outletcrm compilemessages -v0
