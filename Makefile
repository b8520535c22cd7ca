# Two jobs, each installing what it needs on a fresh machine: `make build` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: build test test-fast qc install install-test browser stores

$(PY):
	python3 -m venv $(VENV)

# jionlp's location data without its dependencies (jiojio: 148 MB, GPL-3.0): graph/ingest/national.py reads the
# package's data files and never imports it.
JIONLP := $(PY) -m pip install -q --no-deps jionlp==1.5.31

install: $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	$(JIONLP)

install-test: $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	$(JIONLP)

# Debian's chromium for the real-browser tests (Playwright's own browser download cannot work offline), and a
# system CJK font so the tests also see the pages as most readers do (the pages embed their own font as well).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)
	@fc-list :lang=zh | grep -q . || (apt-get update -q && apt-get install -y -q fonts-noto-cjk)

# The stores `hqkg publish` is tested against (tests/publish/test_stores.py starts its own instances on loopback,
# in temporary folders): Debian's Virtuoso and Jena (TDB2 loader and tools; Fuseki is not packaged), and a JRE.
# A system-wide Virtuoso the package may start is stopped: the tests never use it.
stores:
	@command -v virtuoso-t >/dev/null && test -f /usr/share/java/jena-tdb2.jar && command -v java >/dev/null && command -v rapper >/dev/null || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	     virtuoso-opensource libapache-jena-java default-jre-headless libowlapi-java raptor2-utils && \
	   (test ! -e /etc/init.d/virtuoso-opensource-7 || /etc/init.d/virtuoso-opensource-7 stop || true))

build: install
	$(PY) build_graph.py

test: install-test browser stores
	$(PY) -m pytest -q

# The fast lane for daily work (about a minute): no browsers, servers, subprocess builds, wheel, benchmark or
# oracle cross-checks.
test-fast: install-test
	$(PY) -m pytest -q -m "not slow and not qc"

# The oracles' cross-checks: HermiT against the rules reasoner, pySHACL against the compiled shapes, rdflib's
# SPARQL engine against Oxigraph (docs/validation.md says what each guards).
qc: install-test
	$(PY) -m pytest -q -m qc
