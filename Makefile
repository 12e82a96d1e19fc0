# ContactPoint: `make demo` runs the service on SQLite with a synthetic population;
# `make test` runs the whole suite on SQLite and PostgreSQL. Both install what they need.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CP := $(BIN)/contactpoint
DEMO_CHILDREN ?= 20000
DEMO_SEED ?= 2010
DEMO_DB := var/contactpoint.db
DEMO_SYNTH := var/synth
DEMO_MAIL := var/mail
DEMO_SMTP_PORT := 2525
SOURCES := gro-births gro-deaths dwp-child-benefit nhs-demographics school-census la-childrens-services
STATIC := src/contactpoint/web/static

.PHONY: install chromium java wrk demo demo-data serve test lint typecheck bench postgres clean

install: $(VENV)/.installed $(STATIC)/govuk/.installed chromium java

# Debian's Chromium for the browser tests (tests/browser/): Playwright drives this one, so
# it never downloads a browser of its own. Installed with apt as root, or through sudo.
chromium:
	@scripts/ensure-debian-package chromium chromium "for the browser tests"

# Java for Splink's Spark engine (matching/engines.py; tests/service/test_score_parity.py).
java:
	@scripts/ensure-debian-package java openjdk-17-jre-headless "for the Spark engine"

# wrk, the HTTP load generator of bench/search_http.py.
wrk:
	@scripts/ensure-debian-package wrk wrk "for the HTTP benchmark"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# GOV.UK Frontend's compiled styles, scripts, fonts and images, and Swagger UI for the API
# docs, from the npm registry; axe-core stays in node_modules for the browser tests.
$(STATIC)/govuk/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	rm -rf $(STATIC)/govuk && mkdir -p $(STATIC)/govuk
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(STATIC)/govuk/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css $(STATIC)/govuk/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC)/govuk/
	rm -rf $(STATIC)/swagger-ui && mkdir -p $(STATIC)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(STATIC)/swagger-ui/
	touch $@

demo: install demo-data
	@echo
	@echo "  Demo users, one per role (the password is shown when they are first made):"
	@CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) demo users
	@echo
	@echo "  ContactPoint demo: open http://127.0.0.1:8000/sign-in (health check: /healthz)"
	@echo "  Sign in as a demo user; for the code from an authenticator app, run in another terminal"
	@echo "  (each code is accepted once: if it was just used, wait for the next one, every 30 s):"
	@echo "    CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) demo code demo.practitioner"
	@echo "  The e-mails the service sends are delivered to $(DEMO_MAIL)/, one .eml file each."
	@echo
	@$(CP) notify catch --port $(DEMO_SMTP_PORT) --dir $(DEMO_MAIL) & catcher=$$!; \
	trap 'kill $$catcher 2>/dev/null' EXIT INT TERM; \
	CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) CONTACTPOINT_SMTP_PORT=$(DEMO_SMTP_PORT) \
	  $(CP) serve --host 127.0.0.1 --port 8000

demo-data: install
	CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) db upgrade
	@if [ ! -f $(DEMO_SYNTH)/manifest.json ]; then \
	  $(CP) synth --children $(DEMO_CHILDREN) --seed $(DEMO_SEED) --out $(DEMO_SYNTH); fi
	@for source in $(SOURCES); do \
	  CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) feed load $$source $(DEMO_SYNTH)/$$source.csv; \
	  status=$$?; if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi; \
	done
	CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) stats --snapshot

postgres:
	@scripts/ensure-postgres

test: install postgres
	$(BIN)/pytest -n 2 --dist loadgroup -q

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

# The foundation's and the practitioner search's benchmarks (docs/benchmarks.md): builds
# the 100,000-children index in the PostgreSQL database contactpoint_bench (replacing it),
# then searches it in process and through HTTP. About ten minutes on 2 cores.
BENCH_DB := postgresql+psycopg://postgres@127.0.0.1:5432/contactpoint_bench
bench: install postgres wrk
	$(BIN)/python bench/feeds_load.py --children 100000 --database postgresql
	CONTACTPOINT_DATABASE_URL=$(BENCH_DB) $(BIN)/python bench/search.py var/bench/synth-100000 --n 1000
	CONTACTPOINT_DATABASE_URL=$(BENCH_DB) $(BIN)/python bench/search_http.py var/bench/synth-100000 \
	  --clients 16 --seconds 30 --workers 2

clean:
	rm -rf var node_modules $(STATIC)/govuk $(STATIC)/swagger-ui .pytest_cache
