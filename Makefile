# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/kkrmaal
HOST ?= 127.0.0.1:8000

.PHONY: run test install install-test browser idps services lint test-sqlite test-postgres messages clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser idps

## Serve the demo portal on http://$(HOST) with SQLite, the papers and demo users loaded. The
## job worker (it renders the PDFs the demo queued) and the scheduler run beside runserver,
## and stop with it (Ctrl-C): no server beyond the database. They run in sessions of their
## own, so Ctrl-C reaches runserver only and the worker gets one TERM: it finishes the paper
## it is rendering, then stops.
run: install
	$(BIN)/python manage.py demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@trap 'kill $$worker $$scheduler 2>/dev/null; wait' EXIT; trap 'exit 130' INT TERM; \
	setsid $(BIN)/python manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	setsid $(BIN)/python manage.py run_scheduler --verbosity 0 & scheduler=$$!; \
	$(BIN)/python manage.py runserver $(HOST)

## Lint, check migrations, then the whole suite on SQLite and on PostgreSQL.
test: install-test services lint test-sqlite test-postgres

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 1

# pytest exits 5 when it collected no tests; make treats every non-zero exit as failure.
test-sqlite:
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile

test-postgres:
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile

# Debian's Chromium for the browser tests, poppler for looking at PDFs, and nginx for the
# deployment test (tests/test_deployment.py starts its own). nginx's system service is
# neither started (a policy-rc.d refuses it during the install, unless one is there already)
# nor enabled.
browser:
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq chromium chromium-driver poppler-utils)
	@test -x /usr/sbin/nginx || (set -e; apt-get update -qq; \
		if test -e /usr/sbin/policy-rc.d; then apt-get install -y -qq nginx; else \
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
			apt-get install -y -qq nginx || { rm -f /usr/sbin/policy-rc.d; exit 1; }; \
			rm -f /usr/sbin/policy-rc.d; fi; \
		systemctl disable --quiet nginx 2>/dev/null || true)

# The identity providers the single sign-on tests start on 127.0.0.1 (tests/identity_providers.py):
# Debian's SimpleSAMLphp served by PHP's own server (with its DOM and mbstring modules), xmlsec1
# for pysaml2's signatures (the portal needs it in production too), and the npm package
# oidc-provider, installed from tests/oidc/package-lock.json and run by Node. No system
# service is started or enabled by the install (a policy-rc.d refuses it, as for nginx).
idps:
	@command -v xmlsec1 >/dev/null && command -v php >/dev/null && \
		test -f /usr/share/simplesamlphp/www/index.php && php -m | grep -qx dom || (set -e; \
		apt-get update -qq; \
		if test -e /usr/sbin/policy-rc.d; then \
			apt-get install -y -qq xmlsec1 simplesamlphp php-cli php-xml php-mbstring; else \
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
			apt-get install -y -qq xmlsec1 simplesamlphp php-cli php-xml php-mbstring \
				|| { rm -f /usr/sbin/policy-rc.d; exit 1; }; \
			rm -f /usr/sbin/policy-rc.d; fi; \
		systemctl disable --quiet apache2 2>/dev/null || true)
	@command -v node >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	@test -d tests/oidc/node_modules/oidc-provider || \
		npm ci --prefix tests/oidc --no-audit --no-fund --ignore-scripts

# PostgreSQL and Redis run on this kind of machine; start them when they are down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@until pg_isready -q -h 127.0.0.1 -p 5432; do sleep 1; done
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no

## The benchmark of issue 13 (not part of `make test`): the public pages, the stored PDFs and
## 98 municipalities submitting at once on the national-scale data in PostgreSQL (its own
## database, kkrmaal_bench), served by gunicorn and driven by wrk on 127.0.0.1; see bench/.
bench: install services
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## Refresh the English catalogue (no source locations, so parallel work merges cleanly).
messages:
	$(BIN)/python manage.py makemessages -l en --no-location --ignore=.venv --ignore=staticfiles --ignore=media
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
