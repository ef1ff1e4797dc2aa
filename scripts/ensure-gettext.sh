#!/usr/bin/env bash
# compilemessages needs GNU gettext's msgfmt; install it with apt when it is missing.
set -euo pipefail
command -v msgfmt >/dev/null 2>&1 && exit 0
exec "$(dirname "$0")/apt-install.sh" "gettext" gettext
