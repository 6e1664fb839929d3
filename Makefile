# The README's first two commands are `make demo` and `make test`; both set up what they need.
VENV ?= .venv
PORT ?= 8000
PY := $(VENV)/bin/python

.PHONY: demo test install lint types bench live bench-live live-raw clean screenshots

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# `make demo PORT=8001` serves on another port; a port already taken is refused before any work.
demo: install
	$(VENV)/bin/advocacy demo --serve --port $(PORT)

test: install
	$(VENV)/bin/pytest -q -n 2 --dist loadfile --junitxml=build/junit.xml

# The README's screenshots in docs/, from `make demo`'s own data (Debian's Chromium).
screenshots: install
	$(PY) docs/screenshots.py --out docs

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

types: install
	$(VENV)/bin/mypy

bench: install
	$(PY) bench/import_bench.py --accounts 100000
	$(PY) bench/scan_bench.py --accounts 10000

# The live tier: a real model server on this machine (llama.cpp + SmolLM2-135M, installed once
# into ~/.cache/advocacy-live), the demo and the live tests against it; see live/run.sh.
live: install
	bash live/run.sh

bench-live: install
	bash live/run.sh $(PY) bench/scan_bench.py --live --accounts 80

# Re-record the live model's raw answers for the eval cases (evals/corpora/live_raw.jsonl).
live-raw: install
	bash live/run.sh $(PY) bench/live_raw.py

clean:
	rm -rf $(VENV) build advocacy.db advocacy.db-wal advocacy.db-shm demo
