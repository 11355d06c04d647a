#!/usr/bin/env bash
# Citus tests (tests/citus/): the packages that build Citus from ../shared/vendor/, then the
# build itself (skipped when the installed Citus is already there). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(postgresql-server-dev-15 libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev
          libssl-dev make gcc flex bison)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 tests/citus/build_citus.py
