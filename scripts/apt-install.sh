#!/usr/bin/env bash
# apt-install.sh WHAT PACKAGE...: install Debian packages as root or with sudo, or
# explain what to install by hand. WHAT names them in the messages.
set -euo pipefail
what=$1
shift
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
  echo "Installing $what with apt-get ($*)..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
  echo "$what installed."
else
  echo "ERROR: $what is missing and could not be installed automatically (no apt-get," >&2
  echo "or not root and no sudo). Install it yourself, e.g.: sudo apt-get install $*" >&2
  exit 1
fi
