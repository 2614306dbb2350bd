# Two commands do everything: `make run` (execute the notebooks, quick profile) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FASHION_MNIST := /usr/share/datasets/fashion-mnist
PROFILE ?= quick
KERNEL := simlearn

.PHONY: setup data test run lab bench clean

setup: $(STAMP) data

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -e ".[tools]"
	touch $@

# Debian ships the real Fashion-MNIST, the offline dataset of the smoke and quick profiles.
data:
	@if [ -d $(FASHION_MNIST) ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
	  echo "Note: no apt-get here; Fashion-MNIST will be downloaded through Keras when first needed."; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -q && $$sudo apt-get install -y -q dataset-fashion-mnist || \
	  echo "Note: could not install dataset-fashion-mnist; Fashion-MNIST will be downloaded through Keras."

test: setup
	$(BIN)/python -m pytest

run: setup
	$(BIN)/python -m simtools run --profile $(PROFILE)

lab: setup
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))"
	$(BIN)/jupyter lab notebooks/

bench: setup
	$(BIN)/python bench/bench_siamese.py
	$(BIN)/python bench/bench_metric_learning.py

clean:
	rm -rf build artifacts
