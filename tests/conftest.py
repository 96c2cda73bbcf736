"""Shared fixtures. Tests may read ../shared; the app never does."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_petitions() -> list[dict]:
    with open(SHARED_DATA / "petitions-train.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir):
    from models.store import Store

    s = Store.open(data_dir)
    yield s
    s.close()


# -- Qt (ui tests) -----------------------------------------------------------------------
@pytest.fixture
def quiet_dialogs():
    """Message boxes would block an offscreen test: record them instead."""
    from ui import errors

    errors.SUPPRESS_DIALOGS = True
    errors.last_messages.clear()
    yield errors.last_messages
    errors.SUPPRESS_DIALOGS = False


pytest_plugins = ["conftest_server"]  # server fixtures: pg_database_url, live_server, ...
