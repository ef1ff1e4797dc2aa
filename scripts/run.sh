#!/usr/bin/env bash
# Start the whole stack in the foreground: Redis (when none runs), Daphne, a Celery
# worker and celery beat, each log line prefixed with its process; Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .state
PROCFILE=.state/Procfile
: > "$PROCFILE"
if .venv/bin/python scripts/redis_ping.py; then
  echo "Using the Redis that is already running."
else
  url=$(grep -E '^REDIS_URL=' .env 2>/dev/null | cut -d= -f2- || true)
  url=${REDIS_URL:-${url:-redis://127.0.0.1:6379/0}}
  case "$url" in
    redis://127.0.0.1:6379*|redis://localhost:6379*)
      echo "No Redis answering at $url: starting one for this session."
      echo "redis: redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no" >> "$PROCFILE"
      ;;
    *)
      echo "ERROR: no Redis answers at $url (REDIS_URL). Start it, or unset REDIS_URL to use a local one." >&2
      exit 1
      ;;
  esac
fi
cat >> "$PROCFILE" <<'PROCS'
web: .venv/bin/python -m ops.web -b 127.0.0.1 -p 8000 config.asgi:application
worker: .venv/bin/celery -A config worker --loglevel=INFO --concurrency=2
beat: .venv/bin/celery -A config beat --loglevel=INFO --schedule=.state/celerybeat-schedule
PROCS
echo "SmilePay on http://127.0.0.1:8000 — Ctrl-C stops everything."
exec .venv/bin/honcho --no-colour -f "$PROCFILE" -d . start
