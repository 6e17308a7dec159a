# The two quick-start commands: `make run` and `make test`. Needs Python 3.11 on the PATH.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint check-deploy clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Sign in with a demo user name and password; for the second factor run, in another terminal:"
	@echo "  $(BIN)/python manage.py demo_code USERNAME"
	@echo "Serving on http://127.0.0.1:8000 with a worker and beat (Ctrl-C stops all)"
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-filesystem://} PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/honcho start --env /dev/null

# Two workers: the machines this runs on have two cores.
PYTEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports  # the layers of docs/architecture.md (contracts in pyproject.toml)

check-deploy: $(STAMP)
	DJANGO_ENV=production SECRET_KEY=check-$$RANDOM-not-a-real-key-but-long-enough-for-django-checks-0123456789 \
	FIELD_ENCRYPTION_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	BLIND_INDEX_KEY=check-blind-index-key AUDIT_CHAIN_KEY=check-audit-chain-key \
	AUDIT_ANCHOR_SIGNING_KEY=$$($(BIN)/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())') \
	ALLOWED_HOSTS=casework.example.org \
	DATABASE_URL=sqlite:////tmp/casework-check.sqlite3 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
