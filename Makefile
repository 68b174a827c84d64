# The commands of the README. Everything runs from the project's own virtualenv (.venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test soak soak-faults soak-contract soak-day lint format bench install clean messages

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m scripts.run

# The fault-injection suite (tests/faults) kills and restarts its own Redis, web and worker
# processes: it runs after the rest, alone, so its load never starves the browser tests.
test: $(STAMP)
	$(BIN)/python -m scripts.services -- $(BIN)/pytest -n 2 --dist loadgroup --ignore=tests/faults $(PYTEST_ARGS)
	$(BIN)/python -m scripts.services -- $(BIN)/pytest -p no:xdist tests/faults $(PYTEST_ARGS)

# The fault-injection suite's long run: a 60 s Redis outage under 50 concurrent clients.
# The long runs (`make test` runs each bounded, with a fixed seed): the fault-injection suite,
# the schema fuzzer and the model-based test of a whole day. Each can be run on its own.
soak: soak-faults soak-contract soak-day

soak-faults: $(STAMP)
	FAULTS_SOAK=1 $(BIN)/python -m scripts.services -- $(BIN)/pytest -p no:xdist -o timeout=0 -v -s tests/faults $(PYTEST_ARGS)

# The schema fuzzer (tests/contract): 200 generated requests per operation and caller, a fresh
# random seed each run.
soak-contract: $(STAMP)
	SCHEMATHESIS_MAX_EXAMPLES=$${SCHEMATHESIS_MAX_EXAMPLES:-200} SCHEMATHESIS_SEED=$${SCHEMATHESIS_SEED:-random} \
		$(BIN)/python -m scripts.services -- $(BIN)/pytest -p no:xdist -o timeout=0 tests/contract $(PYTEST_ARGS)

# The model-based test of a whole day (tests/test_whole_day.py), longer and with new days each
# run. WHOLE_DAY_EXAMPLES / _STEPS to tune.
soak-day: $(STAMP)
	WHOLE_DAY_SOAK=1 WHOLE_DAY_PAST_WINDOWS=1 WHOLE_DAY_EXAMPLES=$${WHOLE_DAY_EXAMPLES:-200} \
	WHOLE_DAY_STEPS=$${WHOLE_DAY_STEPS:-60} \
	$(BIN)/python -m scripts.services -- $(BIN)/pytest -p no:xdist -o timeout=0 tests/test_whole_day.py $(PYTEST_ARGS)

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

# Translations: extract the marked strings into locale/<language>/LC_MESSAGES/django.po (then
# translate the new entries) and compile the .mo files, which are committed.
messages:
	.venv/bin/python manage.py makemessages -l nl -l de --ignore=.venv --ignore=wip --ignore=tests --ignore="*/tests/*" --ignore=bench --ignore=static
	.venv/bin/python manage.py makemessages -d djangojs -l nl -l de --ignore=.venv --ignore=wip --ignore=tests --ignore=bench
	.venv/bin/python manage.py compilemessages --ignore=.venv
