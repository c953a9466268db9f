# The README's two commands: `make run` and `make test`. Each sets itself up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# pip's notes about this machine's optional local package folders are noise here, and so is a
# line per package already present; what is left is one line per package fetched or installed.
QUIET_PIP := sed -u -e '/is ignored: it is neither a file nor a directory/d' \
	-e '/^Requirement already satisfied/d' -e '/^ *Using cached/d'
# axe-core (the npm package) for the browser tests' accessibility checks.
AXE_VERSION := 4.14.1
AXE := .node/node_modules/axe-core/axe.min.js

.PHONY: install axe index run test lint typecheck unit eval bench clean

# A first install takes a few minutes; each step says what it is doing and pip lists each
# package as it comes.
$(STAMP): pyproject.toml
	@echo "== Setting up .venv (first time only: a few minutes) =="
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 2>&1 | $(QUIET_PIP)
	@echo "== 1/2 torch 2.13.0, CPU build (pinned: a looser request pulls a multi-GB CUDA build) =="
	$(BIN)/pip install --progress-bar on torch==2.13.0 2>&1 | $(QUIET_PIP)
	@echo "== 2/2 the assistant and its libraries =="
	$(BIN)/pip install --progress-bar on -e '.[dev]' 2>&1 | $(QUIET_PIP)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)
	@echo "== Set-up done =="

install: $(STAMP)

# Without npm the browser tests' accessibility checks skip (CI installs npm and requires them).
$(AXE):
	@if command -v npm >/dev/null; then \
	  npm install --prefix .node --no-save --no-audit --no-fund --loglevel=error \
	    axe-core@$(AXE_VERSION); \
	else echo "npm not found: the browser accessibility checks will be skipped"; fi

axe: $(AXE)

# Incremental: builds the index when it is missing, re-embeds only what changed, else no-op.
index: install
	$(BIN)/send-assistant ingest --no-progress

run: index
	$(BIN)/send-assistant serve

lint: install
	$(BIN)/ruff check assistant ingest evals tests

typecheck: install
	$(BIN)/mypy

unit: install axe
	$(BIN)/pytest -q -p no:cacheprovider

eval: index
	$(BIN)/send-assistant eval --gate --report reports/eval

test: lint typecheck unit eval

bench: index
	$(BIN)/send-assistant bench ingest
	$(BIN)/send-assistant bench answer

clean:
	rm -rf $(VENV) .index reports .node
