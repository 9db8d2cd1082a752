# kefu-payroll. Every target sets up its own .venv: a fresh clone needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MONTH ?= 2026-10
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
export GX_ANALYTICS_ENABLED := false

.PHONY: install demo test lint ui clean bench replay screenshots

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
	$(BIN)/python -c "from pipelines.orchestration.runner import dagster_instance; dagster_instance()"
	$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf data .venv

bench: install
	$(BIN)/python -m pipelines.bench.harness

# The slow replays: a month run night by night, every night, against one backfill (minutes).
replay: install
	$(BIN)/pytest -m slow

# One pay statement rendered by headless Chromium into docs/statement.png (needs a loaded month:
# runs `make demo` first if the warehouse does not exist). Installs Debian's chromium and a CJK
# font with apt-get when they are missing.
SCREENSHOT_EMPLOYEE ?= E03
WAREHOUSE_FILE := $(or $(KEFU_WAREHOUSE),data/warehouse.duckdb)
PUBLISH_DIR := $(or $(KEFU_PUBLISH),data/publish)
CHROMIUM ?= /usr/bin/chromium

screenshots: install
	test -f $(WAREHOUSE_FILE) || $(MAKE) demo
	$(BIN)/kefu statement --month $(MONTH) --employee $(SCREENSHOT_EMPLOYEE)
	test -x $(CHROMIUM) || (apt-get update && apt-get install -y chromium)
	fc-list :lang=zh | grep -q . || apt-get install -y --no-install-recommends fonts-noto-cjk
	mkdir -p docs
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --no-first-run --hide-scrollbars \
		--screenshot=$(CURDIR)/docs/statement.png --window-size=1200,1600 \
		file://$(abspath $(PUBLISH_DIR))/statements/$(MONTH)/$(SCREENSHOT_EMPLOYEE).html
	@echo "docs/statement.png"
