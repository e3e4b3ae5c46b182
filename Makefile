# firegrid: `make demo` runs the service on sample data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint typecheck unit services vendor bench sample-data clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## demo: install, load the Xinzhou sample grid/users/fire points, serve at http://127.0.0.1:8000
demo: vendor $(VENV)/.installed
	$(BIN)/firegrid demo --host 127.0.0.1 --port 8000

## test: install dev dependencies and services (Redis, PostgreSQL + PostGIS), lint, type-check, run every test
test: services vendor $(VENV)/.installed lint typecheck
	env -u PROJ_DATA -u PROJ_LIB FIREGRID_REQUIRE_SERVICES=1 $(BIN)/python -m pytest -q

services:
	bash scripts/install_services.sh

## vendor: Leaflet + leaflet.heat from npm into the package (the pages load nothing from outside)
vendor:
	bash scripts/vendor_web.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(VENV)/.installed
	$(BIN)/mypy

## unit: the suite without installing services (service tests skip when the servers are missing)
unit: vendor $(VENV)/.installed
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/routing.py

## sample-data: rebuild src/firegrid/sample/ from ../shared/data
sample-data: $(VENV)/.installed
	$(BIN)/python scripts/build_sample_data.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
