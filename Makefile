# Every target creates .venv and installs what it needs, so each one works on
# a fresh machine with only Python >= 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint docs docs-serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m fastdjango demo

test: $(STAMP)
	$(BIN)/pytest --cov --cov-branch --cov-report=term

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

bench: $(STAMP)
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.sqlalchemy_flush
	$(BIN)/python -m benchmarks.orm_tortoise
	$(BIN)/python -m benchmarks redis
	$(BIN)/python -m benchmarks.durable_delivery
	$(BIN)/python -m benchmarks.asgi_overhead

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage site
