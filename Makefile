# Kaizen: `make run` for a local instance with demo data (web server and task worker),
# `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export KAIZEN_DATA_DIR ?= $(CURDIR)/data
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto

.PHONY: run test test-postgres lint browser pdf-libs install install-test clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The PDF reports (WeasyPrint) draw text with Pango and subset fonts with HarfBuzz: Debian's
# libraries, installed when missing.
pdf-libs:
	@if ! ldconfig -p | grep -q libpangoft2-1.0.so.0 || ! ldconfig -p | grep -q libharfbuzz-subset.so.0; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; \
	fi

run: install pdf-libs
	KAIZEN_DEBUG=true $(BIN)/kaizen migrate --noinput
	KAIZEN_DEBUG=true $(BIN)/kaizen load_demo
	KAIZEN_DEBUG=true $(BIN)/kaizen serve $(HOST):$(PORT)

# Browser tests drive Debian's Chromium through Playwright (no browser download).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi

# ruff, and the layer contract (.importlinter): every app imports only the layers below it.
lint: install-test
	$(BIN)/ruff check kaizen
	$(BIN)/lint-imports

test: install-test browser pdf-libs lint
	$(BIN)/pytest -n $(TEST_WORKERS)

# The same suite against PostgreSQL: DATABASE_URL must name a database on a server we may
# create test databases on (pytest-django creates and drops test_<name>_gw<N>, one per worker).
test-postgres: install-test browser pdf-libs
	@test -n "$$DATABASE_URL" || (echo "set DATABASE_URL=postgres://..." && exit 2)
	$(BIN)/pytest -n $(TEST_WORKERS) --create-db

clean:
	rm -rf $(VENV) data
