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
	gettext pango migrate demo clean bench bench-peers

help:
	@echo "make run           start Peyvand with demo data on http://$(HOST):$(PORT)/"
	@echo "make test          lint + the whole test suite, browser tests included"
	@echo "make test-browser  only the real-browser tests (e2e/)"
	@echo "make fuzz          schemathesis fuzzing of the whole REST API (FUZZ_EXAMPLES=5)"
	@echo "make run-prod      production layout here: gunicorn + RQ worker + scheduler, PostgreSQL, Redis"
	@echo "make test-rq       the background-task tests against Redis (TASKS_BACKEND=rq)"
	@echo "make lint          ruff check"
	@echo "make format        ruff format + import sorting"
	@echo "make messages      update and compile the Persian translations"
	@echo "make clean         remove caches, test results and the local database"
	@echo "make bench         benchmark on SQLite and PostgreSQL (BENCH_SIZE=$(BENCH_SIZE))"
	@echo "make bench-peers   the same size side by side with two peer CRMs"
	@echo "make load-test     20 users for 60 s on SQLite and PostgreSQL, + connection cuts (LOAD_SIZE=$(LOAD_SIZE))"

# --- Installation (stamp files keep repeated runs fast) ------------------------------------
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[dev,redis,s3]"
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

# --- Production layout on this machine (docs/scaling.md) ----------------------------------------
# PostgreSQL (pooled connections), Redis (cache, sessions, task queue), gunicorn with several
# workers, an RQ worker and the scheduler of periodic commands; the same processes as Procfile.
.PHONY: run-prod test-rq redis
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/peyvand_prod
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0
PROD_PORT ?= 8000
# gunicorn's rule of thumb, 2 x cores + 1, capped: each worker holds a pool and ~100 MB.
WEB_CONCURRENCY ?= $(shell n=$$(( 2 * $$(nproc) + 1 )); echo $$(( n > 9 ? 9 : n )))

# Starts Redis from Debian's redis-server when nothing answers on 127.0.0.1:6379.
redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
		command -v redis-server >/dev/null || $(APT_INSTALL) redis-server \
			|| { $(APT_UPDATE) && $(APT_INSTALL) redis-server; }; \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no; \
		for _ in $$(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; \
			sleep 0.5; done; }
	@redis-cli -h 127.0.0.1 -p 6379 ping

run-prod: export DEBUG = 0
run-prod: export PYTHONUNBUFFERED = 1
run-prod: export DATABASE_URL = $(PROD_DATABASE_URL)
run-prod: export DB_POOL = 1
run-prod: export REDIS_URL = $(PROD_REDIS_URL)
run-prod: export CACHE_BACKEND = redis
run-prod: export TASKS_BACKEND = rq
run-prod: export WEB_CONCURRENCY := $(WEB_CONCURRENCY)
run-prod: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
# Plain HTTP on this machine; behind the TLS proxy of a real deployment leave it at 1.
run-prod: export SECURE_SSL_REDIRECT ?= 0
run-prod: install compilemessages redis
	@mkdir -p var
	@# A stable secret key for this machine's production run, made once, never committed.
	@[ -s var/prod-secret-key ] || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" \
		> var/prod-secret-key
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/prod-secret-key)}"; \
	$(PY) manage.py ensure_database; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py collectstatic --noinput --verbosity 0; \
	echo "web: $$WEB_CONCURRENCY gunicorn workers on http://$(HOST):$(PROD_PORT)/ ($$DATABASE_URL)"; \
	pids=""; \
	stop() { trap - EXIT INT TERM; [ -z "$$pids" ] || kill -TERM $$pids 2>/dev/null || true; \
		wait $$pids 2>/dev/null || true; echo "run-prod: stopped"; }; \
	trap stop EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(PY) manage.py rqworker default --job-class django_tasks_rq.Job --with-scheduler & \
	pids="$$pids $$!"; \
	$(PY) manage.py run_scheduler & pids="$$pids $$!"; \
	$(BIN)/gunicorn peyvand.wsgi --config peyvand/gunicorn.conf.py \
		--bind $(HOST):$(PROD_PORT) & pids="$$pids $$!"; \
	wait -n $$pids; echo "run-prod: a process exited; stopping the others"

# The background-task tests once more, tasks going through Redis and a real RQ worker.
test-rq: export TASKS_BACKEND = rq
test-rq: export REDIS_URL ?= redis://127.0.0.1:6379/15
test-rq: install compilemessages redis
	$(BIN)/pytest -p no:cacheprovider peyvand/core/tests/test_rq_backend.py peyvand/tasks

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

# Schemathesis fuzzing of every /api/v1 operation, in-process (FUZZ_EXAMPLES per operation).
.PHONY: fuzz
fuzz: install compilemessages
	$(BIN)/pytest -p no:cacheprovider -m fuzz peyvand/core/tests/test_api_fuzz.py

# --- Benchmarks (docs/performance.md) ------------------------------------------------------
# Quick size by default; the full size is `make bench BENCH_SIZE=1000000`.
BENCH_SIZE ?= 100000

bench: install
	$(PY) bench/run.py --size $(BENCH_SIZE)

bench-peers: install
	$(PY) bench/run.py --peers --size $(BENCH_SIZE)

# Load and faults (docs/security.md): a read/write mix by 20 users for 60 s per engine, then
# PostgreSQL connections cut under load; fails on any error, 500 or "database is locked".
LOAD_SIZE ?= 10000
.PHONY: load-test
load-test: install
	$(PY) bench/load.py --size $(LOAD_SIZE)

clean:
	rm -rf test-results .pytest_cache .ruff_cache var
	find . -path ./node_modules -prune -o -path ./$(VENV) -prune -o \
		-name __pycache__ -type d -exec rm -rf {} +
