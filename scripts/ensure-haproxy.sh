#!/usr/bin/env bash
# Make sure HAProxy (the proxy of `make cluster`) exists; install it with apt when missing.
set -euo pipefail
command -v haproxy >/dev/null 2>&1 && exit 0
exec "$(dirname "$0")/apt-install.sh" "HAProxy" haproxy
