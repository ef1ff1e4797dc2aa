#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; install it when it is missing, with a
# font for the Chinese pages (the phone sweep screenshots every language).
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q .; then
  exit 0
fi
exec "$(dirname "$0")/apt-install.sh" "Chromium" chromium fonts-dejavu-core fonts-wqy-microhei
