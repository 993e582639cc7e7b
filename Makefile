# keepwell: `make demo` serves the Wellbrook demo place; `make test` runs everything CI runs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast lint vendor bench-quick clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	@mkdir -p var
	KEEPWELL_DEMO=true $(BIN)/keepwell demo

test: install
	./scripts/test.sh

# The suite on SQLite only, without lint or browsers: the quick loop while working.
test-fast: install
	$(BIN)/python -m pytest -m "not browser" -q -n auto

lint: install
	$(BIN)/ruff format --check keepwell tests bench
	$(BIN)/ruff check keepwell tests bench

vendor:
	./scripts/vendor_static.sh

bench-quick: install
	@for script in bench/bench_*.py; do $(BIN)/python $$script --quick || exit 1; done

clean:
	rm -rf $(VENV) var
