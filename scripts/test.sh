#!/usr/bin/env bash
# Run the whole test suite. Uses PostgreSQL and Redis when reachable, SQLite otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

reachable() { # host port
  python3 - "$1" "$2" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PYEOF
}

if [ -z "${DATABASE_URL:-}" ] && reachable 127.0.0.1 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/partnerportal"
fi
if [ -z "${REDIS_URL:-}" ] && reachable 127.0.0.1 6379; then
  export REDIS_URL="redis://127.0.0.1:6379/15"
fi
echo "Tests use database: ${DATABASE_URL:-SQLite (fallback: PostgreSQL not reachable)}"
echo "Tests use broker/cache: ${REDIS_URL:-filesystem broker + local memory cache (Redis not reachable)}"

make --no-print-directory -s install
PY=.venv/bin/python

# Browser tests drive Debian's Chromium through Playwright.
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# Translations are compiled from locale/*.po so a fresh clone has current .mo files.
DJANGO_SETTINGS_MODULE=tests.settings $PY manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || echo "warning: compilemessages failed (is gettext installed?)"

export VAR_DIR="${VAR_DIR:-$(pwd)/var/test}"
mkdir -p "$VAR_DIR"
# Two workers (CI has two cores); pass -n 0 (or another -n) to choose otherwise.
WORKERS=(-n 2)
for arg in "$@"; do
  case "$arg" in -n|-n*|--numprocesses*) WORKERS=() ;; esac
done
exec $PY -m pytest -p no:cacheprovider "${WORKERS[@]}" "$@"
