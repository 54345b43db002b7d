#!/usr/bin/env bash
# Start the portal with demo data. Embedded default: SQLite, Celery's filesystem broker and
# e-mail written to var/mail. Set DATABASE_URL / REDIS_URL to use PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
export PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://localhost:${PORT}}"
# The demo logins sign in with their password alone; MFA_REQUIRED_FOR_HOST_STAFF=1 make run asks host
# staff for a second factor (README: Two-factor sign-in).
export MFA_REQUIRED_FOR_HOST_STAFF="${MFA_REQUIRED_FOR_HOST_STAFF:-0}"
mkdir -p var/mail var/celery-broker/processed
PY=.venv/bin/python
# Celery warns at every start of a worker run as root ("You're running the worker with superuser
# privileges"). `make run` in a container or a sandbox often is root and cannot switch user (the
# worker writes to var/ as whoever created it), so the demo hides that one warning, and only as
# root; docker-compose runs the worker as the unprivileged user `app`, where it never appears.
if [ "$(id -u)" = 0 ]; then
  export PYTHONWARNINGS="${PYTHONWARNINGS:+${PYTHONWARNINGS},}ignore:You're running the worker with superuser privileges"
fi
export PATH="$(pwd)/.venv/bin:$PATH"
echo "Database: ${DATABASE_URL:-SQLite (var/db.sqlite3)}"
echo "Broker:   ${REDIS_URL:-Celery filesystem broker (var/celery-broker)}"
$PY manage.py migrate --noinput
$PY manage.py seed_demo
echo
echo "Partner portal: ${SITE_URL}/   (API docs: ${SITE_URL}/api/docs/)"
echo "E-mails are written to var/mail/ unless EMAIL_URL is set."
echo
exec .venv/bin/honcho start -f Procfile
