#!/usr/bin/env bash
# Idempotent setup of a fresh Linux machine: system packages the app needs (fonts, Qt's
# runtime libraries), a virtualenv in .venv with the project and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY=$candidate; break; fi
  done
fi

bash scripts/system-packages.sh

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"

# compile the window's translations (ui/i18n/*.ts -> .qm, pyside6-lrelease from PySide6-Essentials)
.venv/bin/python -m ui.i18n >/dev/null
