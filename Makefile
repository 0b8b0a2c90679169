# microcred: `make report` regenerates every figure, table and the report; `make test` checks them.
# Run `make` (or `make help`) for the list of targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.SUFFIXES:

VENV     := .venv
PY       := $(VENV)/bin/python
SETUP    := $(VENV)/.installed
PARAMS   ?= params.yaml
RAW      ?=
TIMEOUT  ?= 1200
STAMPS   := build/stamps
EXECUTED := report/notebooks
NOTEBOOKS := 01_clean 02_regional_comparison 03_barriers 04_report
PACKAGE  := $(wildcard src/microcred/*.py src/microcred/templates/*)
EXTERNAL := $(wildcard data/external/*)
BOOTSTRAP_PYTHON ?= python3
UV_VERSION := 0.13.8

# Each notebook's effective parameters go to a stamp that is rewritten only when they change, so
# a new RAW, PARAMS or value reruns exactly what depends on it. Done while the Makefile is read,
# which also gives the raw files the cleaning step reads.
ifneq ($(wildcard $(SETUP)),)
STAMPED := $(shell $(PY) -m microcred.params stamp --params "$(PARAMS)" --raw "$(RAW)" 2>&1 || echo FAILED)
ifneq ($(filter FAILED,$(STAMPED)),)
ifneq ($(filter-out help setup lock clean browser,$(or $(MAKECMDGOALS),help)),)
$(error $(filter-out FAILED,$(STAMPED)))
endif
endif
RAW_FILES := $(filter-out FAILED,$(STAMPED))
endif
# Clean data is not committed: without it the cleaning step must run whatever the timestamps say.
NEED_CLEAN := $(if $(wildcard data/processed/provenance.json),,FORCE)

.PHONY: help setup data report test test-unit test-notebooks test-end-to-end lab clean lock bench browser FORCE

help: ## list the targets (default)
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: $(SETUP) ## create .venv from the pinned requirements and register the Jupyter kernel

$(SETUP): requirements.lock pyproject.toml
	test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name microcred --display-name "Python (microcred)" >/dev/null
	touch $@

lock: ## recompile requirements.lock from pyproject.toml (needs the package index)
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes \
	  --quiet -o requirements.lock

data: | $(SETUP) ## regenerate the synthetic exports (data/raw and the example) from their seeds
	$(PY) -m microcred.synth

$(STAMPS)/%.json: | $(SETUP)
	$(PY) -m microcred.params stamp --params "$(PARAMS)" --raw "$(RAW)" >/dev/null

$(EXECUTED)/%.ipynb: notebooks/%.ipynb $(STAMPS)/%.json $(PACKAGE) $(EXTERNAL) | $(SETUP)
	$(PY) -m microcred.run $* --params "$(PARAMS)" --raw "$(RAW)" --timeout $(TIMEOUT)

$(EXECUTED)/01_clean.ipynb: $(RAW_FILES) $(NEED_CLEAN)
$(EXECUTED)/02_regional_comparison.ipynb: $(EXECUTED)/01_clean.ipynb
$(EXECUTED)/03_barriers.ipynb: $(EXECUTED)/01_clean.ipynb
$(EXECUTED)/04_report.ipynb: $(EXECUTED)/02_regional_comparison.ipynb $(EXECUTED)/03_barriers.ipynb

report: $(EXECUTED)/04_report.ipynb ## run the notebooks in order: figures/, tables/, report/report.html

test: test-unit test-notebooks test-end-to-end ## every test: unit, notebooks (nbval), end to end

test-unit: | $(SETUP) ## unit tests of the package (fast)
	$(PY) -m pytest -m "not slow" tests

test-notebooks: | $(SETUP) ## nbval: re-run the executed notebooks, compare their outputs
	$(PY) -m pytest -p no:cacheprovider --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg $(EXECUTED)

test-end-to-end: browser | $(SETUP) ## byte-for-byte rebuild, bad exports, your-own-data example, browser
	$(PY) -m pytest -m slow tests

browser: ## install Debian's headless Chromium for the report test (root; skipped where impossible)
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed: the browser test will say so"; }

lab: | $(SETUP) ## open JupyterLab with the project kernel in notebooks/
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --MappingKernelManager.default_kernel_name=microcred \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

bench: | $(SETUP) ## speed and scale benchmark: benchmarks/results.csv and benchmarks/README.md
	$(PY) -m microcred.bench

clean: ## remove generated files (never data/raw)
	rm -rf build $(EXECUTED)/*.ipynb report/report.html report/tables figures/* tables/* \
	  data/interim/*.csv data/processed/*.csv data/processed/*.json
