# Shortcuts for developers who have make; each target calls tasks.py, which needs only Python 3.11+.
PYTHON ?= python3

.PHONY: serve test check bench-ingest bench-search migrate compose-up compose-down compose-test

serve:  ## run the server (SQLite in ./data/ unless EVENTS_DATABASE_URL is set)
	$(PYTHON) tasks.py serve

test:  ## the whole test suite, on SQLite and Postgres
	$(PYTHON) tasks.py test

check:  ## ruff (lint + format) and mypy
	$(PYTHON) tasks.py check

bench-ingest:  ## events/s through a real server, both backends
	$(PYTHON) tasks.py bench-ingest

bench-search:  ## p50/p95 of searches over 1,000,000 events in Postgres
	$(PYTHON) tasks.py bench-search

migrate:  ## upgrade the database of EVENTS_DATABASE_URL to the newest schema
	$(PYTHON) tasks.py migrate

compose-up:  ## Postgres + the API in Docker on 127.0.0.1:8080 (needs a Docker engine)
	docker compose up -d --build --wait

compose-down:
	docker compose down

compose-test:  ## build the image and run docker-compose.yml for real (docs/compose.md)
	$(PYTHON) tasks.py compose-test
