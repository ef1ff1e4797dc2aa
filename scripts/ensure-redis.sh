#!/usr/bin/env bash
# Make sure a redis-server binary exists; install it with apt when it is missing.
# Debian starts a system service; `make run` uses it, or starts its own. Without apt,
# install Redis 6+ yourself (brew install redis) or point REDIS_URL in .env at one.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
exec "$(dirname "$0")/apt-install.sh" "Redis" redis-server
