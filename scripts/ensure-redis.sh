#!/usr/bin/env bash
# Make sure a redis-server binary exists; install it with apt when it is missing.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "redis-server is not installed; installing it with apt-get..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  # Debian starts a system service; our `make run` uses it, or starts its own.
  echo "redis-server installed."
else
  cat >&2 <<'MSG'
ERROR: redis-server is missing and could not be installed automatically
(no apt-get, or not root and no sudo). Install Redis 6+ yourself, e.g.
  sudo apt-get install redis-server      (Debian/Ubuntu)
  brew install redis                     (macOS)
or point REDIS_URL in .env at a Redis server you already have, then run `make setup` again.
MSG
  exit 1
fi
