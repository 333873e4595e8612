# Two commands for a newcomer: `make run` serves the API, `make test` checks everything.
# Both create .venv when missing and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
HOST ?= 127.0.0.1
# Worker processes for `make run` (empty: one per core).
WORKERS ?=
# What `make run` scores with: empty for COMMENTMOD_SCORER (default `auto`: the real model, fetched
# on the first run), `embedded` for the shipped models, with nothing fetched.
SCORER ?=
# A CPU build of PyTorch: this pin lets pip take the local CPU wheel instead of a multi-GB CUDA one.
TORCH_SPEC ?= torch==2.13.0
# Where torch alone comes from, if not the default index (the Dockerfile uses PyTorch's CPU index).
TORCH_INDEX ?=
PIP = $(VENV)/bin/python -m pip --disable-pip-version-check --quiet
export HF_HUB_DISABLE_TELEMETRY = 1

.PHONY: run test lint typecheck migrate install install-dev benchmark bench-read bench-write bench-race bench-shadow bench-spam bench-export bench-import bench-scale bench-events evaluate train-korean train-english clean

# The console at /admin/ writes from the service's own origin, so the service must know it.
run: export COMMENTMOD_PUBLIC_URL ?= http://$(HOST):$(PORT)
ifneq ($(SCORER),)
run: export COMMENTMOD_SCORER = $(SCORER)
endif
# First run: fetch, verify and export Detoxify (README, "Getting the real model"). It does nothing
# once a model is in place, and offline it says so in one line and the embedded models serve.
run: $(VENV)/.installed
	$(VENV)/bin/commentmod scorer fetch --if-missing || true
	$(VENV)/bin/commentmod migrate
	exec $(VENV)/bin/commentmod serve --host $(HOST) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS))

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

# Scoring at BERT-base size, five ways (plain Detoxify, batched, the service's PyTorch, ONNX int8 and fp32
# scorers): comments/s, ratio, drift, peak RSS. Builds its model once into var/bench/scoring.
benchmark: $(VENV)/.installed-dev
	$(VENV)/bin/python benchmarks/scoring_throughput.py

# The anonymous read path against Isso 0.14 under wrk; options: make bench-read BENCH_ARGS="--duration 3".
bench-read: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_read.py $(BENCH_ARGS)

# 20 writers POSTing to one article under wrk, on SQLite and PostgreSQL, in rounds alternating
# with a bare route storing the same rows (needs wrk and a local PostgreSQL); options:
# make bench-write BENCH_ARGS="--backend sqlite --duration 3 --rounds 1".
bench-write: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_write.py $(BENCH_ARGS)

# 30 s of writers racing moderators (bulk, single and by-author decisions) and a reader, on SQLite
# and PostgreSQL: every answer by kind and status; exits 1 on any 5xx. Options:
# make bench-race BENCH_ARGS="--backend sqlite --duration 10".
bench-race: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_race.py $(BENCH_ARGS)

# POST latency with no shadow model, the embedded models as the shadow, a slow one and a broken
# one, in alternating rounds in one process; options: make bench-shadow BENCH_ARGS="--rounds 1".
bench-shadow: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_shadow.py $(BENCH_ARGS)

# A reader's data export at 5,000 and 50,000 comments: its speed and the server's peak memory;
# options: make bench-export BENCH_ARGS="--sizes 1000 100000 --backend postgresql".
bench-export: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_export.py $(BENCH_ARGS)

# 100,000 comments generated as Disqus, WordPress, Isso and JSON Lines, each imported into a
# fresh database: comments/s and peak memory; exits 1 below 5,000 comments/s. Other options:
# make bench-import BENCH_ARGS="--backend postgresql --comments 20000".
bench-import: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_import.py $(BENCH_ARGS)

# 2,000 distinct comments and a 200-comment campaign from 50 accounts, spam checks on and off in
# alternating rounds: campaign held, no distinct comment held, POST p50 ratio, lookups' plans;
# options: make bench-spam BENCH_ARGS="--rounds 1 --distinct 500 --backend postgresql".
bench-spam: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_spam.py $(BENCH_ARGS)

# Live event streams on one worker (PostgreSQL): memory held by 1,000 and 5,000 idle streams and
# the time one new comment takes to reach them all; options:
# make bench-events BENCH_ARGS="--streams 1000 --rounds 3".
bench-events: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_events.py $(BENCH_ARGS)

# Endpoint latency at 10k and 1M seeded comments on PostgreSQL; options:
# make bench-scale BENCH_ARGS="--sizes 10000,100000 --requests 50".
bench-scale: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_scale.py $(BENCH_ARGS)

# Per language: ROC AUC, precision and recall at the hold threshold on ../shared/eval, and the
# embedded router's time over a 250-character comment.
evaluate: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/evaluate_scorer.py

# Rebuilds moderation/scoring/korean_model.json.gz from ../shared/eval/data (byte for byte the
# same for the same data) and prints its cross-validated and BEEP! dev figures.
train-korean: $(VENV)/.installed
	$(VENV)/bin/python -m moderation.scoring.korean_training

# Rebuilds moderation/scoring/english_model.json.gz from ../shared/eval/data (OLID train and the
# Civil Comments spans train set; byte for byte the same for the same data) and prints its
# cross-validated and held-out figures. `benchmarks/evaluate_english.py` compares it with
# alt-profanity-check.
train-english: $(VENV)/.installed
	$(VENV)/bin/python -m moderation.scoring.english_training

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
