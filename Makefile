# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test fuzz lab bench lint format demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name ospo-analytics --display-name "ospo-analytics" >/dev/null
	touch $(STAMP)

## run: set up .venv, generate the demo country if no inputs, validate, score, report
run: $(STAMP)
	$(BIN)/ospo-analytics run

## test: the full test suite
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

## fuzz: the reader fuzzing of `make test`, with many random examples
## (OSPO_FUZZ_EXAMPLES=N to choose how many per property; default 2000)
OSPO_FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	OSPO_FUZZ_EXAMPLES=$(OSPO_FUZZ_EXAMPLES) $(BIN)/python -m pytest -n 2 -q tests/test_fuzz_readers.py

## lab: JupyterLab with the project's kernel
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	$(BIN)/jupyter lab notebooks/

## bench: speed goals (loader, scoring, report batch)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## lint: ruff and mypy (with pandas-stubs), as CI runs them
lint: $(STAMP)
	$(BIN)/ruff check ospo_analytics tests benchmarks
	$(BIN)/ruff format --check ospo_analytics tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix ospo_analytics tests benchmarks
	$(BIN)/ruff format ospo_analytics tests benchmarks

clean:
	rm -rf $(VENV) data/processed/* reports/*
