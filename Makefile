# SmilePay — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STATE := .state
INSTALLED := $(VENV)/.installed
DB_READY := $(STATE)/db-ready
MIGRATIONS := $(wildcard */migrations/0*.py)
MESSAGES := $(STATE)/messages-compiled
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)

.DEFAULT_GOAL := help
.PHONY: help setup run cluster test test-fast bench lint format redis browser proxy messages translations clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

setup: $(INSTALLED) redis .env .faceauth-keys $(MESSAGES) $(DB_READY) ## Install everything and prepare the demo database
	@echo "Set-up done. Start the shop with: make run"

$(INSTALLED): requirements.txt requirements-dev.txt requirements-nodeps.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "SmilePay needs Python 3.11"' \
	  || { echo "ERROR: python3 must be Python 3.11 (set PYTHON=/path/to/python3.11)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "ERROR: could not create a venv: on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(PIP) install --quiet --disable-pip-version-check --upgrade pip 'setuptools<81' wheel
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	# face_recognition declares `dlib`, which compiles for minutes: we ship dlib-bin instead.
	$(PIP) install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	@touch $@

.env: .env.example
	@if [ -f .env ]; then echo "Note: .env.example changed; compare it with your .env"; touch .env; \
	 else cp .env.example .env; echo "Wrote .env from .env.example"; fi

# A development key for the face templates; production sets FACEAUTH_KEYS instead.
.faceauth-keys: | $(INSTALLED)
	@umask 077 && $(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' > $@
	@echo "Wrote a development face-template key to $@"

redis: ## Install redis-server with apt when missing
	@scripts/ensure-redis.sh

messages: $(MESSAGES) ## Compile the translations (fr, zh-hans); installs gettext with apt when missing

# The .po files are the source; the compiled .mo files are not committed.
$(MESSAGES): $(PO_FILES) | $(INSTALLED)
	@scripts/ensure-gettext.sh
	@mkdir -p $(STATE)
	$(PY) manage.py compilemessages --ignore '.venv' -v 0
	@touch $@

translations: $(INSTALLED) ## Update the .po catalogues from the code (then translate the new entries)
	@scripts/ensure-gettext.sh
	$(PY) scripts/translations.py

browser: ## Install Debian's Chromium for the browser tests when missing
	@scripts/ensure-chromium.sh

proxy: ## Install Debian's HAProxy (make cluster, its tests, the bench) when missing
	@scripts/ensure-haproxy.sh

$(DB_READY): $(INSTALLED) .env $(MIGRATIONS)
	@mkdir -p $(STATE)
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
	@touch $@

run: setup ## Start the shop: Redis, Daphne on :8000, a Celery worker and beat
	@scripts/run.sh

cluster: setup ## A proxy on :8000, two web nodes, two Celery workers and beat, on PostgreSQL (docs/operations.md)
	@$(PY) scripts/cluster.py

test: $(INSTALLED) $(MESSAGES) redis browser proxy ## Run every test (DATABASE_URL picks the database; PYTEST_ARGS=... passes options)
	@scripts/test.sh $(PYTEST_ARGS)

BENCH_INSTALLED := $(VENV)/.bench-installed

$(BENCH_INSTALLED): requirements-bench.txt | $(INSTALLED)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-bench.txt
	@touch $@

# About 15 minutes on 2 cores (QUICK=1: a 5 minute smoke run). Starts its own
# Daphne, Celery worker, database, Redis db and queue, and removes them at the end;
# the face step is measured in Chromium.
bench: $(INSTALLED) $(BENCH_INSTALLED) redis browser proxy ## Run the benchmarks (never part of make test; QUICK=1 for a smoke run); writes bench/results.json and docs/benchmarks.md
	QUICK=$(QUICK) $(PY) bench/run.py

lint: $(INSTALLED) ## Check style with ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED) ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## Remove the venv, the demo database and uploaded media
	rm -rf $(VENV) $(STATE) db.sqlite3 media staticfiles
