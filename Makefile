# Two jobs, each installing what it needs on a fresh machine: `make build` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: build test install install-test browser stores

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .

install-test: $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'

# Debian's chromium for the real-browser tests (Playwright's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

# The stores `hqkg publish` is tested against (tests/publish/test_stores.py starts its own instances on loopback,
# in temporary folders): Debian's Virtuoso and Jena (TDB2 loader and tools; Fuseki is not packaged), and a JRE.
# A system-wide Virtuoso the package may start is stopped: the tests never use it.
stores:
	@command -v virtuoso-t >/dev/null && test -f /usr/share/java/jena-tdb2.jar && command -v java >/dev/null || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	     virtuoso-opensource libapache-jena-java default-jre-headless libowlapi-java && \
	   (test ! -e /etc/init.d/virtuoso-opensource-7 || /etc/init.d/virtuoso-opensource-7 stop || true))

build: install
	$(PY) build_graph.py

test: install-test browser stores
	$(PY) -m pytest -q
