# The README's first two commands are `make demo` and `make test`; both set up what they need.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test install lint types bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/advocacy demo

test: install
	$(VENV)/bin/pytest -q --junitxml=build/junit.xml

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

types: install
	$(VENV)/bin/mypy

bench: install
	$(PY) bench/import_bench.py --accounts 100000
	$(PY) bench/scan_bench.py --accounts 10000

clean:
	rm -rf $(VENV) build advocacy.db advocacy.db-wal advocacy.db-shm demo
