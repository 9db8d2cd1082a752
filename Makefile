# kefu-payroll. Every target sets up its own .venv: a fresh clone needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MONTH ?= 2026-10
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
export GX_ANALYTICS_ENABLED := false

.PHONY: install demo test lint ui clean bench

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

demo: install
	rm -rf data/landing
	$(BIN)/kefu generate --month $(MONTH) --out data/landing
	$(BIN)/kefu backfill --month $(MONTH)

test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

ui: install
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf data .venv

bench: install
	$(BIN)/python -m pipelines.bench
