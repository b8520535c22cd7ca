# Two jobs, each installing what it needs on a fresh machine: `make build` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: build test install install-test browser

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .

install-test: $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'

# Debian's chromium for the real-browser tests (Playwright's own browser download cannot work offline), and a
# system CJK font so the tests also see the pages as most readers do (the pages embed their own font as well).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)
	@fc-list :lang=zh | grep -q . || (apt-get update -q && apt-get install -y -q fonts-noto-cjk)

build: install
	$(PY) build_graph.py

test: install-test browser
	$(PY) -m pytest -q
