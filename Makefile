# Two commands for a newcomer: `make run` serves the API, `make test` checks everything.
# Both create .venv when missing and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
HOST ?= 127.0.0.1
# A CPU build of PyTorch: this pin lets pip take the local CPU wheel instead of a multi-GB CUDA one.
TORCH_SPEC ?= torch==2.13.0
# Where torch alone comes from, if not the default index (the Dockerfile uses PyTorch's CPU index).
TORCH_INDEX ?=
PIP = $(VENV)/bin/python -m pip --disable-pip-version-check --quiet
export HF_HUB_DISABLE_TELEMETRY = 1

.PHONY: run test lint typecheck migrate install install-dev benchmark evaluate clean

run: $(VENV)/.installed
	$(VENV)/bin/commentmod migrate
	exec $(VENV)/bin/commentmod serve --host $(HOST) --port $(PORT)

migrate: $(VENV)/.installed
	$(VENV)/bin/commentmod migrate

test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy .
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy .

benchmark: $(VENV)/.installed-dev
	$(VENV)/bin/python benchmarks/scoring_throughput.py

evaluate: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/evaluate_scorer.py

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install -e ".[dev]"
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
