# Peyvand developer commands. `make run` starts a demo instance, `make test` runs every check.
# Works on a fresh Debian 12 machine with python3.11 and node/npm; installs what is missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(CURDIR)/$(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo login printed by `make run`; keep in sync with peyvand/demo/foundation.py and README.md.
DEMO_USERNAME := admin
DEMO_PASSWORD := peyvand-demo-1403
# Apps that ship their own Persian catalogue (peyvand/<app>/locale).
LOCALE_APPS = $(patsubst %/locale,%,$(wildcard peyvand/*/locale))

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends
APT_UPDATE := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update

export PYTHONDONTWRITEBYTECODE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test test-browser lint format messages compilemessages install chromium \
	gettext pango migrate demo clean

help:
	@echo "make run           start Peyvand with demo data on http://$(HOST):$(PORT)/"
	@echo "make test          lint + the whole test suite, browser tests included"
	@echo "make test-browser  only the real-browser tests (e2e/)"
	@echo "make lint          ruff check"
	@echo "make format        ruff format + import sorting"
	@echo "make messages      update and compile the Persian translations"
	@echo "make clean         remove caches, test results and the local database"

# --- Installation (stamp files keep repeated runs fast) ------------------------------------
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[dev,redis]"
	touch $@

node_modules/.installed: package-lock.json package.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed pango

gettext:
	@command -v msgfmt >/dev/null || $(APT_INSTALL) gettext || { $(APT_UPDATE) && $(APT_INSTALL) gettext; }

# WeasyPrint (quote PDFs) shapes Persian text with Debian's pango/harfbuzz.
pango:
	@dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || $(APT_INSTALL) libpango-1.0-0 libpangoft2-1.0-0 \
		|| { $(APT_UPDATE) && $(APT_INSTALL) libpango-1.0-0 libpangoft2-1.0-0; }

chromium:
	@test -x /usr/bin/chromium || $(APT_INSTALL) chromium || { $(APT_UPDATE) && $(APT_INSTALL) chromium; }

compilemessages: install gettext
	@# compilemessages skips catalogues whose .mo is newer than the .po.
	@if find peyvand -name '*.po' -path '*/locale/*' | grep -q .; then \
		cd peyvand && $(BIN)/django-admin compilemessages --verbosity 0; \
	fi

messages: install gettext
	@for app in $(LOCALE_APPS); do \
		echo "makemessages: $$app"; \
		(cd $$app && $(BIN)/django-admin makemessages --locale fa --no-obsolete --no-location \
			--ignore 'tests/*' --ignore 'migrations/*' --verbosity 0); \
	done
	@# The project catalogue (LOCALE_PATHS): shared templates, core, api.py; not the apps above.
	@if [ -d peyvand/locale ]; then \
		echo "makemessages: peyvand (project-wide strings)"; \
		(cd peyvand && $(BIN)/django-admin makemessages --locale fa --no-obsolete --no-location \
			$(foreach app,$(LOCALE_APPS),--ignore '$(notdir $(app))/*') \
			--ignore '*/tests/*' --ignore '*/migrations/*' --ignore 'static/*' --verbosity 0); \
	fi
	@$(MAKE) --no-print-directory compilemessages

# --- Running --------------------------------------------------------------------------------
migrate: install compilemessages
	$(PY) manage.py migrate --noinput

demo: migrate
	@# The administrator first: the demo data gives it a share of the tasks.
	$(PY) manage.py ensure_admin --username $(DEMO_USERNAME) --password $(DEMO_PASSWORD) \
		--email admin@peyvand.example
	$(PY) manage.py load_demo_data

run: demo
	@echo
	@echo "=================================================================="
	@echo "  Peyvand is starting on  http://$(HOST):$(PORT)/"
	@echo "  Sign in as  $(DEMO_USERNAME) / $(DEMO_PASSWORD)  (Administrator)"
	@echo "  Other demo users (mehdi, sara, amir, narges, reza, zahra, kamran,"
	@echo "  leila, hamid) use the same password."
	@echo "  API docs: http://$(HOST):$(PORT)/api/v1/docs   Stop: Ctrl-C"
	@echo "=================================================================="
	@echo
	@case "$${TASKS_BACKEND:-database}" in \
		immediate) worker_cmd="" ;; \
		rq) worker_cmd="$(PY) manage.py rqworker default --job-class django_tasks_rq.Job" ;; \
		*) worker_cmd="$(PY) manage.py db_worker" ;; \
	esac; \
	worker=""; \
	if [ -n "$$worker_cmd" ]; then $$worker_cmd & worker=$$!; fi; \
	trap '[ -z "$$worker" ] || { kill $$worker 2>/dev/null; wait $$worker 2>/dev/null; } || true' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# --- Checks ---------------------------------------------------------------------------------
lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

# Lint failures do not hide test results: both run, and either failing fails the target.
test: install chromium compilemessages
	@status=0; \
	echo "ruff check ."; $(BIN)/ruff check . || status=1; \
	echo "pytest"; $(BIN)/pytest -p no:cacheprovider || status=1; \
	exit $$status

test-browser: install chromium compilemessages
	$(BIN)/pytest -p no:cacheprovider -m browser e2e

clean:
	rm -rf test-results .pytest_cache .ruff_cache var
	find . -path ./node_modules -prune -o -path ./$(VENV) -prune -o \
		-name __pycache__ -type d -exec rm -rf {} +
