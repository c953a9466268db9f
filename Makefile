# The README's two commands: `make run` and `make test`. Each sets itself up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# pip's notes about this machine's optional local package folders are noise here.
QUIET_PIP := sed -u '/is ignored: it is neither a file nor a directory/d'

.PHONY: install index run test lint typecheck unit eval bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 2>&1 | $(QUIET_PIP)
	# torch first and pinned: a looser request pulls a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0 2>&1 | $(QUIET_PIP)
	$(BIN)/pip install -q -e '.[dev]' 2>&1 | $(QUIET_PIP)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Incremental: builds the index when it is missing, re-embeds only what changed, else no-op.
index: install
	$(BIN)/send-assistant ingest --no-progress

run: index
	$(BIN)/send-assistant serve

lint: install
	$(BIN)/ruff check assistant ingest evals tests

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q -p no:cacheprovider

eval: index
	$(BIN)/send-assistant eval --gate --report reports/eval

test: lint typecheck unit eval

bench: index
	$(BIN)/send-assistant bench ingest
	$(BIN)/send-assistant bench answer

clean:
	rm -rf $(VENV) .index reports
