# The two commands of the README: `make run` (service with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/talentflow seed-demo
	$(BIN)/talentflow serve --host 127.0.0.1 --port 5000

test: install
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/bench_core.py

.PHONY: install run test bench
