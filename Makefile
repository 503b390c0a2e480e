# Two commands set up a fresh machine: `make run` and `make test`.
VENV    := .venv
PY      := $(VENV)/bin/python
MURMUR  := $(VENV)/bin/murmur
STAMP   := $(VENV)/.installed
# The sentiment scorers compiled by mypyc (scripts/build_native.py); rebuilt when a source changes.
NATIVE  := $(VENV)/murmur-native/manifest.json

.PHONY: i18n run test bench bench-scale lint install native system services clean train-sentiment mutate

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Interface languages: the catalogues Flask-Babel and the browser read, built from web/i18n/parts/*.po
## (the app also rebuilds a stale one at start, so a translator's edit shows on the next reload).
I18N := web/i18n/build/.built

$(I18N): $(STAMP) $(wildcard web/i18n/parts/*.po) web/i18n/catalogs.py
	$(PY) scripts/i18n.py build
	touch $(I18N)

install: $(STAMP) $(I18N)

## Extract every marked string (pybabel extract), list what each locale still lacks, rebuild.
i18n: $(STAMP)
	$(PY) scripts/i18n.py extract
	$(PY) scripts/i18n.py build
	-$(PY) scripts/i18n.py missing | grep -v "^  "

$(NATIVE): $(STAMP) $(wildcard sentiment/*.py) scripts/build_native.py
	$(PY) scripts/build_native.py

native: $(NATIVE)

## Embedded mode: SQLite, no Redis, demo data, live inbox on http://127.0.0.1:$${MURMUR_PORT:-5000}/
run: install native
	$(MURMUR) migrate
	$(MURMUR) demo
	$(MURMUR) serve

## System packages the tests drive (Chromium, Dovecot) and the services they talk to (PostgreSQL, Redis).
system:
	bash scripts/ensure-system.sh

services:
	bash scripts/ensure-services.sh

## The whole suite on two workers (pytest-xdist; this machine and CI have 2 cores). Whole files are
## handed out one at a time to the worker that is free, the longest first (tests/conftest.py), and
## each worker has its own databases and Redis dbs (tests/processes.py). TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
XDIST := $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test: install native system services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	MURMUR_TEST_SERVICES=1 MURMUR_TEST_NATIVE=1 HYPOTHESIS_PROFILE=ci $(VENV)/bin/pytest -q -p no:cacheprovider $(XDIST)

bench: install native services
	$(MURMUR) bench

## A year of a mid-size brand (1,000,000 messages) on SQLite and PostgreSQL; built once, then kept.
bench-scale: install native services
	$(MURMUR) bench-scale

## Refit the English and Chinese sentiment models (scikit-learn, offline) from ../shared/data/sentiment
## and scripts/sentiment_data; writes sentiment/data/*.json.gz, which are committed and what tests load.
train-sentiment: install
	$(PY) -m pip install --quiet -e '.[train]'
	$(PY) scripts/train_sentiment.py $${MURMUR_SENTIMENT_DATA:-../shared/data/sentiment}

## Mutation score of the pure leaves against their unit tests (minutes; not part of make test).
mutate: install
	$(PY) scripts/mutate.py

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) instance .pytest_cache
