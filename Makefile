# The two set-up commands of README.md: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements/constraints.txt

.PHONY: demo test install install-dev system lint typecheck pytest bench clean lock

$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || bash .ci/install-system.sh demo
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Every install takes the locked set (requirements/constraints.txt): a release elsewhere cannot change it.
# An editable install leaves the .pyc files to the first import (never written under
# PYTHONDONTWRITEBYTECODE): write them now, as a regular install does, so that commands start fast.
install: $(BIN)/python
	$(BIN)/pip install -q -c $(LOCK) -e .
	$(BIN)/python -m compileall -q src/inboxtrace > /dev/null

install-dev: $(BIN)/python
	$(BIN)/pip install -q -c $(LOCK) -e '.[dev]'
	$(BIN)/python -m compileall -q src/inboxtrace > /dev/null

## Re-resolve the dependencies of pyproject.toml (under requirements/caps.txt) into the lock.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q --upgrade pip
	.lock-venv/bin/pip install -q -c requirements/caps.txt -e '.[dev]'
	{ echo "# The whole resolved dependency set (runtime + dev), used by every install in the Makefile."; \
	  echo "# Regenerate with 'make lock' after changing dependencies in pyproject.toml; never edit by hand."; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -vi '^inboxtrace'; } > $(LOCK)
	rm -rf .lock-venv

system:
	bash .ci/install-system.sh

## The main job on the bundled real example (embedded SQLite, no server).
demo: install
	bash examples/demo.sh $(BIN)

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

## Everything the tests need (Debian packages, Python packages), then lint, types and the whole suite.
test: system install-dev lint typecheck pytest

bench: install-dev system
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
	find src -name "*.so" -delete
