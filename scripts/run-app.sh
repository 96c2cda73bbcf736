#!/usr/bin/env bash
# Set up (idempotent) and start the window, standalone on the built-in demo county.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
