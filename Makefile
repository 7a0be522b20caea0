# Every target sets up its own virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLE ?= examples/tremor-magnesium-kidney.yaml
FUZZ_SECONDS ?= 300

.PHONY: demo test lint typecheck schema docs bench fuzz mutation clean browser

$(BIN)/suppcheck: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,fuzz]'
	touch $@

demo: $(BIN)/suppcheck
	$(BIN)/suppcheck check $(EXAMPLE) --format table; status=$$?; [ $$status -ne 2 ]

test: $(BIN)/suppcheck browser
	$(BIN)/python -m pytest

# The HTML tests render pages in Debian's Chromium; installed with apt-get where it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the HTML tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: $(BIN)/suppcheck
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(BIN)/suppcheck
	$(BIN)/mypy --strict src

schema: $(BIN)/suppcheck
	$(BIN)/python -m suppcheck._schemas data

# The documentation site (mkdocs-material, the API pages from the docstrings) into site/; any warning fails.
docs: $(BIN)/suppcheck
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

bench: $(BIN)/suppcheck
	$(BIN)/python benchmarks/run.py

# Coverage-guided fuzzing of every reader and check() from the committed seeds
# (tests/fuzz/corpus); new inputs go to .fuzz/, a crash to .fuzz/crash-* and a non-zero exit.
fuzz: $(BIN)/suppcheck
	mkdir -p .fuzz/corpus
	$(BIN)/python -m tests.fuzz.fuzz_readers .fuzz/corpus tests/fuzz/corpus \
		-max_total_time=$(FUZZ_SECONDS) -artifact_prefix=.fuzz/ -max_len=4096 -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1

# mutmut over the rule families and the engine; the score goes into benchmarks/RESULTS.md.
mutation: $(BIN)/suppcheck
	$(BIN)/pip install --quiet -e '.[dev,mutation]'
	rm -rf mutants
	$(BIN)/python benchmarks/mutation.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis .fuzz mutants
