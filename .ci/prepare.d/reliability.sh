#!/usr/bin/env bash
# tests/reliability needs initdb and pg_ctl (a private Postgres cluster per fault test) and
# runuser (to run it as the postgres user when CI runs as root). Idempotent: installs the
# Debian package only when the binaries are missing.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v runuser >/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql util-linux >/dev/null
