# The commands of the README. Everything runs from the project's own virtualenv (.venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test soak lint format bench install clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m scripts.run

test: $(STAMP)
	$(BIN)/python -m scripts.services -- $(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The fault-injection suite's long run: a 60 s Redis outage under 50 concurrent clients.
soak: $(STAMP)
	FAULTS_SOAK=1 $(BIN)/python -m scripts.services -- $(BIN)/pytest -p no:xdist -v -s tests/faults $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m scripts.services -- $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .data
