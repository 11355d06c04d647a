#!/usr/bin/env bash
# For the browser tests in tests/ui/: headless Chromium and its WebDriver from Debian, and
# axe-core (pinned by tests/ui/a11y/package-lock.json) with the machine's npm.
# Idempotent: each part is skipped when it is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
  chromium --version 2>/dev/null
fi
if [ ! -f tests/ui/a11y/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  npm ci --prefix tests/ui/a11y --no-audit --no-fund --loglevel=error
fi
