# ccops: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate seed worker beat clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# The settings make var/ and, unless SECRET_KEY is set, a random var/secret_key (once).
migrate: $(VENV)/.runtime
	mkdir -p var/staticfiles
	$(PY) manage.py migrate --noinput

run: migrate
	@echo "Loading the demo contact center if the database is empty (about a minute on 2 cores; progress below)..."
	$(PY) manage.py seed_demo --if-empty
	@echo "ccops is starting at http://$(HOST):$(PORT)/  (demo logins above; Ctrl-C stops it)"
	@echo "A simulated day runs beside it (manage.py simulate; SIMULATE=0 turns it off)."
ifdef REDIS_URL
	$(VENV)/bin/honcho -f Procfile.dev start
else
	@trap 'kill 0' INT TERM EXIT; \
	if [ "$(SIMULATE)" != "0" ]; then $(PY) manage.py simulate & fi; \
	$(PY) manage.py runserver $(HOST):$(PORT)
endif

test: $(VENV)/.dev
	mkdir -p var/staticfiles
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

seed: migrate
	$(PY) manage.py seed_demo

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A ccops worker -l info

beat: $(VENV)/.runtime
	$(VENV)/bin/celery -A ccops beat -l info

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache
