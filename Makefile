# auditportal: developer and CI entry points. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.requirements.stamp
NODE_STAMP := node_modules/.install.stamp
PIP := $(PY) -m pip --disable-pip-version-check --no-input
# The test fixtures are loaded as plugins here too, so that they work whatever the root conftest.py says.
PYTEST_ARGS ?=
PYTEST := $(PY) -m pytest -p tests.fixtures_services -p tests.fixtures_browser

VENDOR := static/vendor
VENDOR_FILES := \
	$(VENDOR)/bootstrap/bootstrap.min.css \
	$(VENDOR)/bootstrap/bootstrap.min.css.map \
	$(VENDOR)/bootstrap/bootstrap.bundle.min.js \
	$(VENDOR)/bootstrap/bootstrap.bundle.min.js.map \
	$(VENDOR)/htmx/htmx.min.js

.PHONY: help venv install assets requirements system-deps build-deps demo-deps demo test lint fmt clean distclean

help:
	@echo "make install      .venv with the pinned Python packages, and the front-end assets"
	@echo "make demo         the demo on http://127.0.0.1:8000 (SQLite, tasks run in-process)"
	@echo "make test         lint, then every test against real PostgreSQL, Redis, Celery and Chromium"
	@echo "make lint / fmt   ruff check and format check / apply ruff's formatting and fixes"
	@echo "make requirements requirements*.txt from requirements*.in, every package pinned (pip-compile);"
	@echo "                  UPGRADE=1 also moves the packages not pinned by hand to their latest versions"
	@echo "make system-deps  the Debian packages the tests need (installed when root; install and demo"
	@echo "                  install theirs first too: python3-venv, Node and npm, WeasyPrint's libraries)"
	@echo "make clean        remove build and test leftovers (distclean: .venv and node_modules too)"

venv: $(VENV_STAMP)

# The system packages come first (order-only: they never make the venv or node_modules out of date):
# Debian's python3 makes no venv without python3-venv, and npm is not installed by default.
$(VENV_STAMP): requirements.txt requirements-dev.txt | build-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -qq -r requirements-dev.txt
	@touch $@

install: venv assets

# The .txt files pin every package, dependencies of dependencies included; the .in files list what the
# project chose. After changing a .in file, run this and commit both.
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links $(if $(UPGRADE),--upgrade)
requirements: venv
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

assets: $(VENDOR_FILES)

$(NODE_STAMP): package.json package-lock.json | build-deps
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

$(VENDOR)/bootstrap/%: $(NODE_STAMP)
	@mkdir -p $(@D)
	@cp node_modules/bootstrap/dist/$(if $(filter %.js %.js.map,$*),js,css)/$* $@

$(VENDOR)/htmx/%: $(NODE_STAMP)
	@mkdir -p $(@D)
	@cp node_modules/htmx.org/dist/$* $@

system-deps:
	@PYTHON=$(PYTHON) scripts/system_deps.sh all

build-deps:
	@PYTHON=$(PYTHON) scripts/system_deps.sh build

demo-deps:
	@PYTHON=$(PYTHON) scripts/system_deps.sh demo

demo: demo-deps install
	@mkdir -p var
	@unset DATABASE_URL CELERY_BROKER_URL; export DEBUG=1 DEMO=1; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py load_demo && \
	exec $(PY) manage.py runserver 127.0.0.1:8000

# Lint failures do not hide test results: both run, and either one fails the target.
test: system-deps install
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(PY) scripts/test_services.py -- $(PYTEST) $(PYTEST_ARGS) || status=$$?; \
	exit $$status

lint: venv
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	exit $$status

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENDOR) test-artifacts .pytest_cache .ruff_cache
	find . -path ./.venv -prune -o -path ./node_modules -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules

# The benchmark (issue 7): gunicorn, PostgreSQL, Redis and Celery on loopback, on seed_scale's
# production-shaped data, driven by wrk; prints a latency table and a `summary:` line last.
# QUICK=1: smaller data and fewer requests (within two minutes). See benchmarks/README.md.
.PHONY: bench
bench: system-deps install
	@command -v wrk >/dev/null || { [[ "$$(id -u)" == 0 ]] && apt-get -qq -o DPkg::Lock::Timeout=900 update >/dev/null && \
		apt-get -qq -o DPkg::Lock::Timeout=900 install -y --no-install-recommends wrk >/dev/null; } || \
		{ echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
	@$(PY) scripts/test_services.py -- $(PY) benchmarks/run.py $(if $(QUICK),--quick)

# Bad input (issue 6): tests/test_fuzz.py with the `thorough` hypothesis profile — 500 generated posts
# per form and JSON endpoint instead of CI's 20, random rather than derandomized (about 13 minutes
# on 2 cores). PYTEST_ARGS narrows it, e.g. `make fuzz PYTEST_ARGS="-k autosave"`.
.PHONY: fuzz
fuzz: system-deps install
	@HYPOTHESIS_PROFILE=thorough $(PY) scripts/test_services.py -- \
		$(PYTEST) -q tests/test_fuzz.py --hypothesis-show-statistics $(PYTEST_ARGS)
