#!/usr/bin/env bash
# Build the desktop bundle (PyInstaller one-folder) into dist/qiye-suqiu/.
#   bash scripts/build-bundle.sh            # set up .venv if needed, install PyInstaller, build
# Prints the bundle's size; exits non-zero when PyInstaller cannot be installed (code 3)
# or the build fails.  The Windows build is the same spec: docs/windows-build.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    bash scripts/setup.sh
fi
PY=.venv/bin/python
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "installing PyInstaller (the 'build' extra) into .venv" >&2
    # only PyInstaller and its own requirements: the project itself is already installed
    BUILD_REQ=$("$PY" - <<'PY'
import tomllib
print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["build"]))
PY
)
    if ! "$PY" -m pip install -q $BUILD_REQ; then
        echo "PyInstaller could not be installed" >&2
        exit 3
    fi
fi
# compile the UI catalogues if the tools are at hand (the spec bundles ui/i18n/*.qm)
if ls ui/i18n/*.ts >/dev/null 2>&1; then
    "$PY" -c "from ui.i18n import compile_catalogues; compile_catalogues()" || \
        echo "warning: translations not compiled; the bundle carries the .ts only" >&2
fi
started=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller build.spec
echo "built dist/qiye-suqiu in $(( $(date +%s) - started )) s; size $(du -sh dist/qiye-suqiu | cut -f1)" >&2
