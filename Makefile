# The two set-up commands: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export RETINO_INSTANCE_FOLDER ?= instance

.PHONY: run test lint pytest install install-test translations catalog system-deps node-deps migrate demo worker scheduler bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

translations: | $(BIN)/python
	@$(BIN)/python -c 'import babel' 2>/dev/null || $(BIN)/python -m pip install --quiet Babel
	@$(BIN)/pybabel compile --use-fuzzy -d marketplace_app/translations >/dev/null
	@$(BIN)/pybabel compile --use-fuzzy -d retino_core/documents/translations -D documents >/dev/null
	@$(BIN)/pybabel compile --use-fuzzy -d marketplace_app/storefront/translations -D storefront >/dev/null

# The storefront's catalogs hold its own texts and the core's messages a shopper can meet.
STOREFRONT_TEXT_SOURCES := marketplace_app/storefront retino_core/cases retino_core/custom_fields \
	retino_core/messaging retino_core/orders retino_core/channels retino_core/intake retino_core/shipping \
	retino_core/withdrawals retino_core/ratings retino_core/errors.py retino_core/validation.py

# After changing user-facing text: refresh the template and the catalogs, then translate the new entries.
catalog: install-test
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k N_ -k lazy_gettext --ignore-dirs='.* ._ storefront' \
		-o marketplace_app/translations/messages.pot retino_core marketplace_app adapters
	$(BIN)/pybabel update -i marketplace_app/translations/messages.pot -d marketplace_app/translations
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k N_ -k lazy_gettext \
		-o marketplace_app/storefront/translations/storefront.pot $(STOREFRONT_TEXT_SOURCES)
	$(BIN)/pybabel update -i marketplace_app/storefront/translations/storefront.pot \
		-d marketplace_app/storefront/translations -D storefront

migrate: install
	$(BIN)/retino migrate

demo: migrate
	$(BIN)/retino load-demo

run: node-deps demo
	$(BIN)/retino serve --host 127.0.0.1 --port 5000

# Debian's Chromium drives the browser tests (Playwright uses it; it never downloads a browser);
# PHP's CLI lints the WordPress plugin (`php -l`). One apt-get run installs whatever is missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium fonts-dejavu-core"; \
	command -v php >/dev/null 2>&1 || missing="$$missing php-cli"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The admin's front-end libraries and, as dev dependencies, the API mock server (Prism) the adapter
# tests run against. Reinstalled only when package.json or the lock file changes.
node_modules/.installed: package.json package-lock.json
	npm ci --include=dev --no-audit --no-fund --silent
	@touch $@

node-deps: node_modules/.installed

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# pytest names the dependencies it runs against, so `make pytest` and `make -j test` get them too.
pytest: system-deps node-deps install-test
	$(BIN)/pytest

test: system-deps node-deps install-test lint pytest

worker: install
	$(BIN)/retino worker

scheduler: install
	$(BIN)/retino scheduler

# Quick sizes; the figures in the README come from the same scripts at the sizes written there.
bench: install-test
	$(BIN)/python benchmarks/case_creation.py
	$(BIN)/python benchmarks/search.py --cases 200000
	$(BIN)/python benchmarks/export.py --cases 100000
	$(BIN)/python benchmarks/widget_size.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
