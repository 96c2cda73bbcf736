"""Helpers for tests and benchmarks: a throwaway PostgreSQL database and a real uvicorn
server in a subprocess on loopback, plus administration shortcuts.

    with temp_database() as url, LiveServer(url) as srv:
        county = srv.setup_county(windows=["W01", "W02"], depts=["D01"])
        county.enrolment_codes["W01"]   # one-time code for window W01
        county.dept_tokens["D01"]       # department user token for D01
        srv.base_url                    # http://127.0.0.1:PORT   (API under srv.api)

Uses only httpx and psycopg (no pytest), so bench/ can import it too.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import httpx
import psycopg

from models import protocol as p

DEFAULT_PG = os.environ.get("INTAKE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REPO = Path(__file__).resolve().parents[1]


def _with_db(url: str, dbname: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{dbname}"


@contextlib.contextmanager
def temp_database(admin_url: str = DEFAULT_PG, prefix: str = "intake_test_") -> Iterator[str]:
    """Create ``intake_test_<random>``, yield its URL, drop it (connections forced out)."""
    name = prefix + secrets.token_hex(6)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class CountySetup:
    code: str
    enrolment_codes: dict[str, str] = field(default_factory=dict)   # window_code -> code
    dept_tokens: dict[str, str] = field(default_factory=dict)       # dept_code -> token
    server_device_id: str = ""


class LiveServer:
    """``python -m server`` in a subprocess on 127.0.0.1:<free port>."""

    def __init__(self, database_url: str, *, port: int | None = None, admin_token: str | None = None,
                 extra_args: list[str] | None = None, log_path: str | os.PathLike | None = None):
        self.database_url = database_url
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.admin_token = admin_token or "adm_" + secrets.token_urlsafe(16)
        self.extra_args = list(extra_args or [])
        self.log_path = Path(log_path) if log_path else Path(tempfile.mkstemp(prefix="intake-server-", suffix=".log")[1])
        self.proc: subprocess.Popen | None = None

    # -- addresses ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api(self) -> str:
        return self.base_url + p.API_PREFIX

    # -- process -------------------------------------------------------------------------------
    def start(self, timeout: float = 20.0) -> "LiveServer":
        if self.proc is not None and self.proc.poll() is None:
            return self
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-m", "server", "--database-url", self.database_url, "--host", self.host,
               "--port", str(self.port), "--admin-token", self.admin_token, "--log-level", "warning",
               *self.extra_args]
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.api + "/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop(kill=True)
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log()}")

    def stop(self, kill: bool = False, timeout: float = 10.0) -> None:
        """SIGTERM (graceful) or SIGKILL (kill=True, e.g. to crash it mid-batch)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, kill: bool = False) -> "LiveServer":
        """Same port, same database."""
        self.stop(kill=kill)
        return self.start()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- administration shortcuts --------------------------------------------------------
    def client(self, token: str | None = None, **kw) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=kw.pop("timeout", 30.0), **kw)

    def admin(self) -> httpx.Client:
        return self.client(self.admin_token)

    def _admin(self, method: str, path: str, **kw) -> dict:
        with self.admin() as c:
            r = c.request(method, path, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json()

    def create_county(self, code: str | None = None, name: str | None = None,
                      config: dict | None = None) -> str:
        """A county; config defaults to the demo county's departments and rules (D01…)."""
        code = code or "C" + secrets.token_hex(4).upper()
        body = {"code": code, "name": name or f"测试县{code}"}
        if config is not None:
            body["config"] = config
        self._admin("POST", "/admin/counties", json=body)
        return code

    def create_window(self, county: str, window_code: str | None = None, name: str = "") -> str:
        """A window of the county; returns its one-time enrolment code."""
        window_code = window_code or "W" + secrets.token_hex(2).upper()
        return self._admin("POST", f"/admin/counties/{county}/windows",
                           json={"window_code": window_code, "name": name})["enrolment_code"]

    def create_dept_user(self, county: str, dept: str, username: str | None = None) -> str:
        """A department user; returns its bearer token."""
        username = username or f"{dept.lower()}-{secrets.token_hex(3)}"
        return self._admin("POST", f"/admin/counties/{county}/departments/{dept}/users",
                           json={"username": username})["token"]

    def put_holidays(self, county: str, schedule: dict) -> int:
        return self._admin("PUT", f"/admin/counties/{county}/holidays/{schedule['year']}", json=schedule)["version"]

    def put_config(self, county: str, config: dict) -> int:
        return self._admin("PUT", f"/admin/counties/{county}/config", json=config)["version"]

    def revoke(self, device_id: str) -> dict:
        return self._admin("POST", f"/admin/devices/{device_id}/revoke")

    def enrol(self, code: str, device_id: str | None = None, device_name: str = "test") -> dict:
        """Enrol like a client would: {device_id, window_code, county_code, token, expires_at}."""
        with self.client() as c:
            r = c.post("/enrol", json={"code": code, "device_id": device_id or str(uuid.uuid4()),
                                       "device_name": device_name})
        if r.status_code != 200:
            raise RuntimeError(f"enrol: {r.status_code} {r.text}")
        return r.json()

    def setup_county(self, code: str | None = None, windows: list[str] = ("W01",),
                     depts: list[str] = ("D01",), config: dict | None = None) -> CountySetup:
        """A county with windows (enrolment codes) and one user per department (tokens)."""
        code = self.create_county(code, config=config)
        out = CountySetup(code=code, server_device_id=f"server:{code}")
        for w in windows:
            out.enrolment_codes[w] = self.create_window(code, w)
        for d in depts:
            out.dept_tokens[d] = self.create_dept_user(code, d)
        return out


def synthetic_events(device_id: str, n: int, *, head: str = p.GENESIS_HASH, window: str = "W01",
                     lead_dept: str = "D01", per_case: int = 5, day: str = "2026-01-05") -> tuple[list[dict], str]:
    """``n`` valid events of one device's chain (a case_registered then notes, ``per_case``
    events per case), starting from ``head``. Returns (events, new head). For benches that
    need many events without a client store."""
    events: list[dict] = []
    case_id = ""
    at = f"{day}T10:00:00+08:00"
    for i in range(n):
        if i % per_case == 0:
            case_id = str(uuid.uuid4())
            ev = {"event_id": str(uuid.uuid4()), "case_id": case_id, "device_id": device_id,
                  "type": p.CASE_REGISTERED, "created_at": at, "prev_hash": head, "payload": {
                      "receipt_no": f"{window}-{day.replace('-', '')}-{i // per_case + 1:04d}",
                      "window_code": window,
                      "enterprise": {"uscc": "91653224MA7E4M1T8B", "name": "鑫禾餐饮管理有限公司"},
                      "contact": "刘桂芳", "phone": "18279439800", "channel": "窗口",
                      "title": "食品经营许可证到期延续", "content": "门店负责人因病住院，想咨询能否委托员工代办延续。",
                      "category": "", "lead_dept": lead_dept, "co_depts": [], "route_source": "auto",
                      "grade": "general", "received_at": at, "due_at": at, "warn_at": at,
                      "deadline_provisional": False, "first_owner": "张三", "actor": "张三"}}
        else:
            ev = {"event_id": str(uuid.uuid4()), "case_id": case_id, "device_id": device_id,
                  "type": p.NOTE_ADDED, "created_at": at, "prev_hash": head,
                  "payload": {"text": f"第{i}条备注：已电话联系企业。", "actor": "张三"}}
        ev["hash"] = p.event_hash(ev)
        head = ev["hash"]
        events.append(ev)
    return events, head
