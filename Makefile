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
SOURCES := gro-births gro-deaths dwp-child-benefit nhs-demographics school-census la-childrens-services
STATIC := src/contactpoint/web/static

.PHONY: install demo demo-data serve test lint typecheck bench postgres clean

install: $(VENV)/.installed $(STATIC)/govuk/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# GOV.UK Frontend's compiled styles, scripts, fonts and images, and Swagger UI for the API
# docs, from the npm registry.
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
	@echo "  ContactPoint demo: open http://127.0.0.1:8000/ (health check: /healthz)"
	@echo
	CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) serve --host 127.0.0.1 --port 8000

demo-data: install
	CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) db upgrade
	@if [ ! -f $(DEMO_SYNTH)/manifest.json ]; then \
	  $(CP) synth --children $(DEMO_CHILDREN) --seed $(DEMO_SEED) --out $(DEMO_SYNTH); fi
	@for source in $(SOURCES); do \
	  CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) feed load $$source $(DEMO_SYNTH)/$$source.csv; \
	  status=$$?; if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi; \
	done
	CONTACTPOINT_DATABASE_URL=sqlite:///$(DEMO_DB) $(CP) stats

postgres:
	@scripts/ensure-postgres

test: install postgres
	$(BIN)/pytest -n 2 --dist loadgroup -q

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

bench: install postgres
	$(BIN)/python bench/run.py

clean:
	rm -rf var node_modules $(STATIC)/govuk $(STATIC)/swagger-ui .pytest_cache
