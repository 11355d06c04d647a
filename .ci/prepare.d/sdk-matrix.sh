#!/usr/bin/env bash
# SDK matrix (tests/sdk_matrix): one virtual environment per honeyhive version, made with uv
# into .sdk-matrix/venvs/ and reused by later runs (a second run only checks them). The test
# run would build any that is missing itself; building them here keeps the download time
# out of the test timings and fails early when PyPI is unreachable.
set -euo pipefail
cd "$(dirname "$0")/../.."
"${PYTHON:-python3}" tests/sdk_matrix/venvs.py
