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

.PHONY: run test lint demo clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m workbench --db $(DEMO_DB) demo

run: demo
	WORKBENCH_DB=$(DEMO_DB) $(VENV)/bin/streamlit run streamlit_app.py \
		--server.address $(ADDRESS) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).*
