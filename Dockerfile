# The casework web app, Celery worker and beat (one image; docker-compose.yml picks the command).
FROM python:3.11-slim

# Settings find templates/, static/ and staticfiles/ next to the casework package, so the app
# runs from the source tree in /app (PYTHONPATH); the pip install brings the dependencies.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, pinned by the lock file, so code changes do not reinstall them.
COPY pyproject.toml requirements.lock ./
COPY casework ./casework
COPY referrals ./referrals
COPY providers ./providers
COPY audit ./audit
RUN pip install -c requirements.lock .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
# The Spanish catalog, compiled (django.mo is committed: no gettext needed in the image).
COPY locale ./locale

# Static files are collected at build time with throwaway values: production settings refuse to
# load without every secret, but collectstatic neither uses them nor touches a database.
RUN DJANGO_ENV=production \
    SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    FIELD_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    BLIND_INDEX_KEY=build-only-not-a-secret \
    AUDIT_CHAIN_KEY=build-only-audit-chain-not-a-secret \
    AUDIT_ANCHOR_SIGNING_KEY="$(python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build-unused.sqlite3 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build-unused.sqlite3

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin casework \
    && install -d -o casework -g casework /var/lib/casework/anchors
USER casework

EXPOSE 8000
CMD ["gunicorn", "casework.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
