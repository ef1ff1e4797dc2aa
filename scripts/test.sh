#!/usr/bin/env bash
# Run the suite against the real services: Redis must answer (started when local).
set -euo pipefail
cd "$(dirname "$0")/.."
started=""
if ! .venv/bin/python scripts/redis_ping.py; then
  echo "Starting a Redis for the tests..."
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
    --pidfile /tmp/smilepay-test-redis.pid --logfile /tmp/smilepay-test-redis.log
  started=yes
  for _ in $(seq 50); do .venv/bin/python scripts/redis_ping.py && break; sleep 0.1; done
fi
status=0
.venv/bin/pytest "$@" || status=$?
if [ -n "$started" ]; then kill "$(cat /tmp/smilepay-test-redis.pid)" 2>/dev/null || true; fi
exit $status
