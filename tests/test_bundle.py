"""The desktop bundle: build it with PyInstaller (scripts/build-bundle.sh, build.spec) and
run the frozen ``selftest`` and a frozen start of the window.  About 1-2 minutes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUNDLE = REPO / "dist" / "qiye-suqiu"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
SIZE_BUDGET = 200 * 1024 * 1024        # unpacked, bytes

pytestmark = pytest.mark.slow


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


@pytest.fixture(scope="module")
def bundle() -> Path:
    started = time.monotonic()
    run = subprocess.run(["bash", str(REPO / "scripts" / "build-bundle.sh")], cwd=REPO,
                         capture_output=True, text=True, timeout=900)
    if run.returncode == 3 and "PyInstaller could not be installed" in run.stderr:
        pytest.skip("PyInstaller could not be installed (no package index reachable): " + run.stderr[-300:])
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    print(f"\nbundle built in {time.monotonic() - started:.0f} s")
    return BUNDLE


def test_frozen_selftest_passes(bundle, tmp_path):
    console = bundle / f"qiye-suqiu-console{EXE_SUFFIX}"
    assert console.exists() and (bundle / f"qiye-suqiu{EXE_SUFFIX}").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    run = subprocess.run([str(console), "selftest", "--data-dir", str(tmp_path / "data")],
                         capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] and report["frozen"] is True
    checks = report["checks"]
    for name in ("store", "receipt", "calendar", "routing", "qt"):
        assert checks[name]["ok"], (name, checks[name])
    assert checks["receipt"]["embedded_font"]
    assert "keyring" in checks and checks["keyring"]["backend"]
    assert Path(checks["receipt"]["pdf"]).read_bytes().startswith(b"%PDF")


def test_bundle_size_and_frozen_start(bundle, tmp_path):
    size = _size(bundle)
    print(f"\nbundle size {size / 2**20:.1f} MiB")
    assert size <= SIZE_BUDGET, f"bundle is {size / 2**20:.1f} MiB, budget {SIZE_BUDGET / 2**20:.0f} MiB"
    # inside: jieba's dictionary, the holiday schedules, the demo county, Qt's zh_CN catalogue
    internal = bundle / "_internal"
    for rel in ("jieba/dict.txt", "models/data/demo_county.json", "models/data/holidays/2026.json",
                "PySide6/Qt/translations/qtbase_zh_CN.qm", "ui/icons/app.png"):
        assert (internal / rel).exists(), rel
    assert not (internal / "jieba" / "lac_small").exists()
    assert not list(internal.rglob("*QtQuick*")) and not list(internal.rglob("*QtWebEngine*"))

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(QT_QPA_PLATFORM="offscreen", QYSQ_FIRST_ADMIN="admin:secret-123",
               QYSQ_SIGNIN="admin:secret-123", QYSQ_EXIT_WHEN_SHOWN="1")
    gui = bundle / f"qiye-suqiu{EXE_SUFFIX}"
    times = []
    for _ in range(3):
        started = time.perf_counter()
        run = subprocess.run([str(gui), "--data-dir", str(tmp_path / "data")], capture_output=True,
                             text=True, timeout=120, env=env)
        times.append(time.perf_counter() - started)
        assert run.returncode == 0 and "shown" in run.stdout, run.stdout + run.stderr
    print(f"frozen start to a shown main window: {', '.join(f'{t:.2f}' for t in times)} s")
    # the target is 2 s; CI machines are shared, so only a gross regression fails here
    assert min(times) < 6.0
