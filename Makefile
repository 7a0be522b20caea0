# Every target sets up its own virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLE ?= examples/tremor-magnesium-kidney.yaml

.PHONY: demo test lint typecheck schema bench mutation clean

$(BIN)/suppcheck: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/suppcheck
	$(BIN)/suppcheck check $(EXAMPLE) --format table; status=$$?; [ $$status -ne 2 ]

test: $(BIN)/suppcheck
	$(BIN)/python -m pytest

lint: $(BIN)/suppcheck
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(BIN)/suppcheck
	$(BIN)/mypy --strict src

schema: $(BIN)/suppcheck
	$(BIN)/python -m suppcheck._kb.schema > data/interactions.schema.json

bench: $(BIN)/suppcheck
	$(BIN)/python benchmarks/run.py

# mutmut over the rule families and the engine; the score goes into benchmarks/RESULTS.md.
mutation: $(BIN)/suppcheck
	$(BIN)/pip install --quiet -e '.[dev,mutation]'
	rm -rf mutants
	$(BIN)/python benchmarks/mutation.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants
