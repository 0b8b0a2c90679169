# microcred: `make report` regenerates every figure, table and the report; `make test` checks them.
# Run `make` (or `make help`) for the list of targets. Each target calls `python -m microcred …`
# (one implementation, which also runs without make); this file only bootstraps the environment.

.DEFAULT_GOAL := help
.SUFFIXES:

VENV     := .venv
PY       := $(VENV)/bin/python
SETUP    := $(VENV)/.installed
BOOTSTRAP_PYTHON ?= python3
UV_VERSION := 0.13.8

# Values given on the command line (make report RAW=… PARAMS=…) are data: they reach the commands
# through the environment only, never as text of a recipe or of a shell call, so no shell reads
# a quote, backtick or $ in them. `value` keeps a $ as it was typed.
override RAW      := $(value RAW)
override PARAMS   := $(value PARAMS)
override RUN      := $(value RUN)
override JOBS     := $(value JOBS)
override TIMEOUT  := $(value TIMEOUT)
override LAB_ARGS := $(value LAB_ARGS)
export RAW PARAMS RUN JOBS TIMEOUT LAB_ARGS

.PHONY: help setup data report test test-unit test-notebooks test-end-to-end audit lint mutate lab clean lock bench browser

help: ## list the targets (default)
	@grep -E '^[a-z-]+:.*## ' Makefile | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'
	@echo "  Without make: $(PY) -m microcred --help"

setup: $(SETUP) ## create .venv from the pinned requirements and register the Jupyter kernel

# nbdime's diff driver, or git's plain diff in a checkout whose .venv has no nbdime yet.
$(SETUP): export NBDIFF = f() { if [ -x .venv/bin/git-nbdiffdriver ]; then .venv/bin/git-nbdiffdriver diff "$$@"; \
  else git diff --no-ext-diff --no-index -- "$$2" "$$5"; fi; true; }; f
$(SETUP): requirements.lock pyproject.toml
	@echo "Setting up .venv from requirements.lock (a minute or two the first time, seconds after)"
	test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@# Byte-compiled once here: every notebook kernel, runner and test worker imports the same
	@# scientific stack, and where writing bytecode is off (PYTHONDONTWRITEBYTECODE) each would
	@# compile it again (imports 8 s instead of 3.7 s, tens of times in `make test`).
	$(VENV)/bin/uv pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name microcred --display-name "Python (microcred)" >/dev/null
	@# The git drivers .gitattributes names: source notebooks stripped of outputs when staged
	@# (nbstripout through microcred.tooling.nbfilter, which leaves clean ones byte for byte) and notebooks
	@# diffed cell by cell (nbdime; a plain diff where a checkout has no
	@# nbdime yet). Git runs them from the work tree's root, so each checkout uses its own .venv.
	@# Idempotent; skipped outside a git checkout.
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean ".venv/bin/python -m microcred.tooling.nbfilter" && \
	  git config filter.nbstripout.smudge cat && \
	  git config diff.jupyternotebook.command "$$NBDIFF"; fi
	touch $@

# The lock is for Linux (x86-64 and aarch64, glibc 2.28 or later), macOS 12 or later (Intel and
# Apple silicon) and Windows (x64), with Python 3.11 to 3.14: binary wheels only, chosen for each
# of pyproject.toml's [tool.uv] required-environments; tests/test_platforms.py installs it on each.
lock: ## recompile requirements.lock and environment.yml for every platform tested (needs the package index)
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 \
	  --only-binary :all: --generate-hashes --quiet -o requirements.lock
	$(PY) -m microcred.tooling.lockfile

data: | $(SETUP) ## regenerate the synthetic exports (data/raw and the example) from their seeds
	$(PY) -m microcred.synthetic

# `exec`: the command replaces the shell, so that stopping make (an IDE's stop button sends it
# SIGTERM, which make passes on to the command it runs) stops the run too.
report: | $(SETUP) ## run the out-of-date notebooks: figures/, tables/, report/ (RAW=, PARAMS=, RUN=, JOBS=)
	exec $(PY) -m microcred report --raw="$$RAW" --params="$$PARAMS" --run="$$RUN" \
	  --jobs="$${JOBS:-1}" --timeout="$${TIMEOUT:-1200}"

test: test-unit test-notebooks test-end-to-end ## every test: unit, notebooks (nbval), end to end

test-unit: | $(SETUP) ## unit tests of the package (fast)
	$(PY) -m microcred test --part unit

test-notebooks: | $(SETUP) ## nbval: re-run the executed notebooks, compare their outputs
	$(PY) -m microcred test --part notebooks

test-end-to-end: browser | $(SETUP) ## byte-for-byte rebuild, bad exports, your-own-data example, browser
	$(PY) -m microcred test --part end-to-end

audit: | $(SETUP) ## the disclosure audit on every held-out export and pair (`make test` runs part)
	MICROCRED_AUDIT=full $(PY) -m pytest --numprocesses=auto --maxprocesses=4 -p no:cacheprovider \
	  tests/test_disclosure_audit.py

lint: | $(SETUP) ## ruff over the project (= ruff check .); mypy over statistics and release
	$(PY) -m microcred lint

mutate: | $(SETUP) ## mutation testing of the statistics and the disclosure gate (not in `make test`)
	$(PY) -m microcred mutate

# Chromium and the libraries it needs come to about 250 MB on a slim Debian (less where a desktop
# is installed). apt shows its progress (plain lines, no redrawn bar); DEBCONF_NOWARNINGS silences
# debconf's note that without apt-utils it configures packages after unpacking them; an apt run
# of another checkout is waited for rather than failed on.
browser: ## install Debian's headless Chromium for the report test (root; skipped where impossible)
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  echo "installing Debian's Chromium for the browser test (about 250 MB, a minute or two)..." && \
	  export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes && apt-get update && \
	  apt-get install -y -o Dpkg::Progress-Fancy=0 -o DPkg::Lock::Timeout=300 chromium; } \
	  || echo "chromium could not be installed: the browser test will say so"

lab: | $(SETUP) ## open JupyterLab with the project kernel in notebooks/ (LAB_ARGS=)
	exec $(PY) -m microcred lab --lab-args="$$LAB_ARGS"

bench: | $(SETUP) ## speed and scale benchmark: benchmarks/results.csv and benchmarks/README.md
	$(PY) -m microcred bench

clean: ## remove what runs wrote and is not committed (build/, runs/, the clean data)
	$(if $(wildcard $(PY)),$(PY) -m microcred clean,rm -rf build runs)
