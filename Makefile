# One entry for people and CI. Works on a machine with only Python, pip and Debian's packages.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint check bench-import clean

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## run: migrate, load demo data (idempotent; credentials in var/demo-credentials.json), print the demo accounts and URLs, serve on $(HOST):$(PORT)
run: install
	$(BIN)/registry db upgrade
	$(BIN)/registry demo
	@echo ""
	@echo "公示查询 / public:      http://$(HOST):$(PORT)/"
	@echo "API 文档 / API docs:   http://$(HOST):$(PORT)/schema  (Swagger: /schema/swagger)"
	@echo "OpenAPI JSON:          http://$(HOST):$(PORT)/schema/openapi.json"
	@echo "公钥 / JWKS:           http://$(HOST):$(PORT)/.well-known/jwks.json"
	@echo "健康 / health:         http://$(HOST):$(PORT)/health/ready"
	@echo "第一次使用 / first session: BASE=http://$(HOST):$(PORT) bash docs/walkthrough.sh  (docs/walkthrough.md)"
	@echo ""
	$(BIN)/registry serve --host $(HOST) --port $(PORT)

## test: the whole suite (SQLite always; PostgreSQL + Redis when reachable, required when CI is set),
## then the browser tests of the public pages in a run of their own (Playwright's sync API), then rules coverage
test: install
	$(BIN)/pytest -n auto -q
	$(BIN)/pytest -n 2 -q tests/browser
	$(BIN)/pytest -q tests/unit/rules --cov=registry.rules --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=100

## lint: ruff, mypy --strict, and models-vs-migrations on a scratch SQLite database
lint: install
	$(BIN)/ruff check registry tests bench
	$(BIN)/ruff format --check registry tests bench
	$(BIN)/mypy
	rm -f var/check.db
	REGISTRY_DATABASE_URL=sqlite+aiosqlite:///var/check.db $(BIN)/registry db upgrade
	REGISTRY_DATABASE_URL=sqlite+aiosqlite:///var/check.db $(BIN)/registry db check
	$(BIN)/registry rules check

check: lint test

## bench-import: rows/s of the bulk importer, 100k rows, SQLite and PostgreSQL (writes bench/RESULTS.md)
bench-import: install
	$(BIN)/python -m bench.import_bench --rows 100000

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
