# Two commands on a fresh machine: `make serve` (set up, index seeds/, start the chat) and
# `make test` (set up with the test extras, run checks and the whole suite).

PYTHON ?= python3
VENV ?= .venv
# The one place torch is pinned: the CPU build, from PyTorch's CPU wheel index as PyTorch's own
# install instructions do (PyPI's Linux torch is the CUDA build, with gigabytes of nvidia-*
# packages). If that index cannot be reached, torch comes from pip's configured index instead
# (with a note). The probe runs isolated, so a local wheel folder in pip's configuration cannot
# make an unreachable index look reachable. TORCH is the one override, pip arguments included; with an NVIDIA GPU:
#   make serve TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
TORCH ?= torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
CORPUS ?= seeds
HOST ?= 127.0.0.1
PORT ?= 7860
# pytest workers (pytest-xdist; each test file runs whole in one worker, so module fixtures are
# built once). 2 suits the 2-core CI machine; 0 runs the suite in one process.
TEST_WORKERS ?= 2
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: serve index test check lint install install-test browser clean

serve: $(VENV)/.installed
	$(BIN)/verbatim serve $(CORPUS) --host $(HOST) --port $(PORT)

index: $(VENV)/.installed
	$(BIN)/verbatim index $(CORPUS)

test: $(VENV)/.installed-test browser
	$(MAKE) --no-print-directory check
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=10

check: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first (the CPU build from TORCH's index, else pip's configured index, with a note).
define install-torch
	@if $(PIP) install --isolated --ignore-installed --dry-run --no-deps --timeout 10 --retries 0 $(TORCH) >/dev/null 2>&1; then \
	  echo "$(PIP) install $(TORCH)"; $(PIP) install $(TORCH); \
	else \
	  echo "note: could not reach the index in TORCH=\"$(TORCH)\"; installing $(firstword $(TORCH)) from pip's configured index" \
	       "(from PyPI on Linux that is the CUDA build; see README)"; \
	  $(PIP) install "$(firstword $(TORCH))"; \
	fi
endef

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(install-torch)
	$(PIP) install -c constraints.txt -e .
	touch $@

# The test set-up is one resolution of the package with its test extras (not the serving set-up
# and then a second one): it also stands for the serving set-up. Not --no-compile: where
# PYTHONDONTWRITEBYTECODE is set, as on these machines, every process would compile its imports
# again (measured: CI 20 minutes instead of about 13).
$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(install-torch)
	$(PIP) install -c constraints.txt -e ".[test]"
	touch $(VENV)/.installed $@

# The browser test drives Debian's chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: chromium is not installed; the browser test will be skipped (sudo apt-get install chromium)"; fi; }

clean:
	rm -rf $(VENV) .verbatim .verbatim-eval .pytest_cache .mypy_cache .ruff_cache
