"""Server fixtures (registered from tests/conftest.py with ``pytest_plugins``).

Real PostgreSQL at 127.0.0.1:5432 (override with INTAKE_TEST_PG); every test session gets
a throwaway database ``intake_test_<random>`` that is dropped at the end.

Fixtures
--------
``pg_database_url`` (session)  URL of the session's fresh, migrated database.
``live_server`` (session)      ``server.testing.LiveServer``: ``python -m server`` under
                               uvicorn on 127.0.0.1:<free port>, on ``pg_database_url``.
                                 .base_url        "http://127.0.0.1:PORT"
                                 .api             base_url + "/api/v1"
                                 .admin_token     the administrator token
                                 .setup_county(code=None, windows=("W01",), depts=("D01",))
                                     -> CountySetup(code, enrolment_codes{window: code},
                                                    dept_tokens{dept: token}, server_device_id)
                                 .create_county / create_window (-> enrolment code) /
                                  create_dept_user (-> token) / put_holidays / put_config /
                                  revoke(device_id) / enrol(code, device_id) / client(token)
                                 .stop(kill=False) / .start() / .restart(kill=False)  (same
                                  port and database: for crash and restart tests)
                               The server is shared by the session: make your own county
                               (setup_county() picks a random code) rather than reuse one.
``live_server_factory``        call it to get another LiveServer on its own fresh database
                               (stopped and dropped after the test), e.g. to kill -9 it.
``server_app`` (session)       the ASGI app (``server.create_app``) on ``pg_database_url``,
                               for FastAPI TestClient / schemathesis; ``server_admin_token``.
"""
from __future__ import annotations

import contextlib
import os

import psycopg
import pytest

from server.testing import DEFAULT_PG, LiveServer, temp_database

SERVER_ADMIN_TOKEN = "adm_test_" + os.urandom(8).hex()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    try:
        with psycopg.connect(DEFAULT_PG, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {DEFAULT_PG} (scripts/ensure-postgres.sh starts it): {exc}")
    return DEFAULT_PG


@pytest.fixture(scope="session")
def pg_database_url(pg_admin_url):
    from server.db import migrate

    with temp_database(pg_admin_url) as url:
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def server_admin_token() -> str:
    return SERVER_ADMIN_TOKEN


@pytest.fixture(scope="session")
def live_server(pg_database_url, tmp_path_factory):
    srv = LiveServer(pg_database_url, log_path=tmp_path_factory.mktemp("server") / "server.log")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def live_server_factory(pg_admin_url, tmp_path):
    with contextlib.ExitStack() as stack:
        def make(**kw) -> LiveServer:
            url = stack.enter_context(temp_database(pg_admin_url))
            srv = LiveServer(url, log_path=tmp_path / f"server-{len(servers)}.log", **kw)
            servers.append(srv)
            stack.callback(srv.stop)
            return srv.start()

        servers: list[LiveServer] = []
        yield make


@pytest.fixture(scope="session")
def server_app(pg_database_url, server_admin_token):
    from server import Settings, create_app

    app = create_app(Settings(database_url=pg_database_url, admin_token=server_admin_token))
    yield app
    app.state.pool.close()
