# Kaizen: `make run` for a local instance with demo data (web server and task worker),
# `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Where `make run` keeps the database, uploads and the generated key: written into .env.
KAIZEN_DATA_DIR ?= $(CURDIR)/data
# `make run PORT=8080` serves on another port.
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto

.PHONY: run test test-postgres lint browser pdf-libs mail-server install install-test clean

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

# The local development configuration. The `kaizen` command reads .env from the folder it runs
# in (variables set in the environment win), so `make run` and every `kaizen ...` typed in
# another terminal here use the same settings. Written once; edit it freely afterwards.
.env:
	@printf '%s\n' \
		'# Local development configuration, written by `make run`. The kaizen command reads it' \
		'# when run in this folder; variables set in the environment win. Not for production:' \
		'# see docs/configuration.md.' \
		'KAIZEN_DEBUG=true' \
		'KAIZEN_DATA_DIR="$(KAIZEN_DATA_DIR)"' > $@
	@echo "Wrote .env: the local development configuration (KAIZEN_DEBUG, KAIZEN_DATA_DIR)."

run: install pdf-libs .env
	$(BIN)/kaizen migrate --noinput
	$(BIN)/kaizen load_demo
	@echo "Kaizen on http://$(HOST):$(PORT)/ (Ctrl+C stops it). For the kaizen command, in another"
	@echo "terminal in this folder: source $(BIN)/activate, then e.g. kaizen --help."
	$(BIN)/kaizen serve $(HOST):$(PORT)

# Browser tests drive Debian's Chromium through Playwright (no browser download).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi

# The inbound mail tests read from a real IMAP server: Debian's Dovecot, started by the tests
# themselves with a throwaway configuration (the package's own service stays as it is).
mail-server:
	@if ! test -x /usr/sbin/dovecot; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dovecot-imapd; \
	fi

# ruff, and the layer contract (.importlinter): every app imports only the layers below it.
lint: install-test
	$(BIN)/ruff check kaizen
	$(BIN)/lint-imports

test: install-test browser pdf-libs mail-server lint
	$(BIN)/pytest -n $(TEST_WORKERS)

# The same suite against PostgreSQL: DATABASE_URL must name a database on a server we may
# create test databases on (pytest-django creates and drops test_<name>_gw<N>, one per worker).
test-postgres: install-test browser pdf-libs mail-server
	@test -n "$$DATABASE_URL" || (echo "set DATABASE_URL=postgres://..." && exit 2)
	$(BIN)/pytest -n $(TEST_WORKERS) --create-db

clean:
	rm -rf $(VENV) data .env
