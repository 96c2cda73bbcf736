#!/usr/bin/env bash
# Set up (idempotent) and run every test. Exits non-zero when a test fails or none ran.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure-postgres.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
