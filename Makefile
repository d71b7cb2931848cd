# seatdesk — two commands on a fresh Debian machine:
#   make run    install, create/upgrade the embedded database, load the demo city, launch
#   make test   install everything the suite needs, start a throwaway PostgreSQL/PostGIS,
#               run the whole suite on SQLite and PostgreSQL with Qt offscreen
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PGDIR ?= $(CURDIR)/.pgtest
# below 32768: outside Linux's ephemeral range (ip_local_port_range 32768–60999), so no
# outgoing connection can take a test server's port while a test restarts it
PGPORT ?= 25432
# the suite runs in this many processes (pytest-xdist): most tests wait on a database, a
# browser engine or a subprocess, so two processes keep both cores busy; 0 runs it in one
TEST_WORKERS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DEBIAN_RUN := libgl1 libegl1 libfontconfig1 libdbus-1-3 libnss3 libxcomposite1 libxdamage1 \
	libxrandr2 libxtst6 libxkbfile1 libasound2 libxkbcommon0 libxkbcommon-x11-0 libxcb-icccm4 \
	libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0 \
	libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0 libpulse0 fonts-noto-cjk python3-venv
# what the workstation package declares (packaging/deb/depends); building it checks them
DEBIAN_DEB := $(shell sed 's/,/ /g' packaging/deb/depends)
DEBIAN_TEST := $(DEBIAN_RUN) $(DEBIAN_DEB) postgresql postgresql-contrib postgis postgresql-15-postgis-3 xvfb \
	poppler-utils openssl
# the benches' extra: wrk, the C load generator of bench_intake (a Python client on the same
# two cores cost half the server's CPU per report)
DEBIAN_BENCH := $(DEBIAN_TEST) wrk

.PHONY: run test bench deb deps-run deps-test deps-bench venv translations db-upgrade demo clean lint

run: deps-run venv translations
	$(VENV)/bin/seatdesk db upgrade
	$(VENV)/bin/seatdesk demo --if-empty
	$(VENV)/bin/seatdesk gui

# the suite's server and its streaming replica (pg_basebackup -R) for the replica tests, removed
# at the end (a checkout under a 0700 folder keeps their data in /var/tmp, 1.4 GB a run);
# with SEATDESK_TEST_DATABASE_URL (and SEATDESK_TEST_READ_DATABASE_URL) given, those are used
test: deps-test venv translations
	@set -euo pipefail; \
	if [ -n "$${SEATDESK_TEST_DATABASE_URL:-}" ]; then url="$$SEATDESK_TEST_DATABASE_URL"; \
	     read_url="$${SEATDESK_TEST_READ_DATABASE_URL:-}"; started=0; \
	else scripts/pg-test-server remove "$(PGDIR)-replica"; scripts/pg-test-server remove "$(PGDIR)"; \
	     url=$$(scripts/pg-test-server start "$(PGDIR)" $(PGPORT)); started=1; \
	     read_url=$$(scripts/pg-test-server start-replica "$(PGDIR)-replica" $$(( $(PGPORT) + 2 )) "$(PGDIR)"); \
	     export SEATDESK_TEST_REPLICA_DIR="$(PGDIR)-replica" SEATDESK_TEST_PRIMARY_DIR="$(PGDIR)"; fi; \
	trap '[ $$started = 1 ] && { scripts/pg-test-server remove "$(PGDIR)-replica"; scripts/pg-test-server remove "$(PGDIR)"; }' EXIT; \
	echo "PostgreSQL for the suite: $$url (replica: $${read_url:-none})"; \
	SEATDESK_TEST_DATABASE_URL="$$url" SEATDESK_TEST_READ_DATABASE_URL="$$read_url" \
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider --durations=30 \
	    $$([ "$(TEST_WORKERS)" = 0 ] || echo "-n $(TEST_WORKERS) --dist worksteal") $(PYTEST_ARGS)

bench: deps-bench venv
	@set -euo pipefail; \
	if [ -n "$${SEATDESK_BENCH_DATABASE_URL:-}" ]; then url="$$SEATDESK_BENCH_DATABASE_URL"; started=0; \
	else scripts/pg-test-server remove "$(PGDIR)-bench"; \
	     url=$$(scripts/pg-test-server start "$(PGDIR)-bench" $$(( $(PGPORT) + 1 ))); started=1; fi; \
	trap '[ $$started = 1 ] && scripts/pg-test-server remove "$(PGDIR)-bench"' EXIT; \
	QT_QPA_PLATFORM=offscreen $(PY) -m bench --database "$$url" $(BENCH_ARGS)

# The workstation package dist/seatdesk_<version>_<arch>.deb (docs/operations.md)
deb: deps-run venv translations
	@scripts/ensure-debian $(DEBIAN_DEB)
	scripts/build-deb

# Debian packages, installed only when something is missing (needs root or sudo)
deps-run:
	@scripts/ensure-debian $(DEBIAN_RUN)

deps-test:
	@scripts/ensure-debian $(DEBIAN_TEST)

deps-bench:
	@scripts/ensure-debian $(DEBIAN_BENCH)

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

translations: venv
	@$(PY) -m seatdesk.ui.i18n build

clean:
	scripts/pg-test-server remove "$(PGDIR)-replica" || true
	scripts/pg-test-server remove "$(PGDIR)" || true
	scripts/pg-test-server remove "$(PGDIR)-bench" || true
	rm -rf $(VENV) dist
