"""Administration (administrator token): counties, configuration, holiday schedules,
windows and their one-time enrolment codes, department users, device revocation."""
from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

from fastapi import APIRouter, Body, Depends, Path, Request
from psycopg.types.json import Jsonb

from models import protocol as p
from models.calendar import YearSchedule
from models.errors import ValidationError

from .auth import new_enrolment_code, new_token, normalise_code, require_admin, token_hash
from .common import ERRORS, normalise_config, utcnow, when
from .core import load_rules, server_device_id
from .errors import ApiError, not_found
from .schemas import (CODE_RE, DEVICE_RE, ChainFault, CountyCreate, CountyOut, DeptUserCreate,
                      DeptUserToken, DeviceOut, HolidaySchedule, WindowCreate, WindowEnrolment)

router = APIRouter(prefix=p.API_PREFIX + "/admin", tags=["administration"],
                   dependencies=[Depends(require_admin)], responses=ERRORS)

CountyPath = Path(pattern=CODE_RE, description="county code")


def _demo_config() -> dict:
    text = (resources.files("models") / "data" / "demo_county.json").read_text(encoding="utf-8")
    return json.loads(text)


def _county_exists(conn, county: str, lock: bool = False) -> dict:
    row = conn.execute("SELECT code, name, config, config_version FROM counties WHERE code = %s"
                       + (" FOR UPDATE" if lock else ""), (county,)).fetchone()
    if row is None:
        raise not_found("该县", f"county {county}")
    return row


@router.post("/counties", status_code=201, response_model=CountyOut)
def create_county(request: Request, body: CountyCreate) -> CountyOut:
    """Create a county with its configuration and its server device (department actions)."""
    if body.config is None:
        data = _demo_config()
        data["county_name"] = body.name
        data["centre_name"] = body.name + "政务服务中心"
    else:
        data = body.config
    config = normalise_config(body.code, body.name, data)
    with request.app.state.pool.connection() as conn, conn.transaction():
        row = conn.execute("INSERT INTO counties(code, name, config) VALUES (%s, %s, %s) "
                           "ON CONFLICT (code) DO NOTHING RETURNING config_version",
                           (body.code, body.name, Jsonb(config))).fetchone()
        if row is None:
            raise ApiError(409, "exists", "该县已存在。", f"County {body.code} exists.")
        conn.execute("INSERT INTO devices(device_id, county, kind, name, chain_head) "
                     "VALUES (%s, %s, 'server', %s, %s)",
                     (server_device_id(body.code), body.code, f"{body.name}服务器", p.GENESIS_HASH))
    return CountyOut(code=body.code, name=body.name, version=row["config_version"],
                     server_device_id=server_device_id(body.code))


@router.put("/counties/{county}/config", response_model=CountyOut)
def put_config(request: Request, county: str = CountyPath,
               config: dict[str, Any] = Body(..., description="the whole configuration")) -> CountyOut:
    """Replace the county's configuration; the ETag of GET /config changes."""
    with request.app.state.pool.connection() as conn, conn.transaction():
        row = _county_exists(conn, county, lock=True)
        cfg = normalise_config(county, row["name"], config)
        version = conn.execute("UPDATE counties SET config = %s, config_version = config_version + 1, "
                               "updated_at = now() WHERE code = %s RETURNING config_version",
                               (Jsonb(cfg), county)).fetchone()["config_version"]
    return CountyOut(code=county, name=row["name"], version=version, server_device_id=server_device_id(county))


@router.get("/counties/{county}", response_model=CountyOut)
def get_county(request: Request, county: str = CountyPath) -> CountyOut:
    with request.app.state.pool.connection() as conn:
        row = _county_exists(conn, county)
    return CountyOut(code=county, name=row["name"], version=row["config_version"],
                     server_device_id=server_device_id(county))


@router.put("/counties/{county}/holidays/{year}", response_model=CountyOut)
def put_holidays(request: Request, body: HolidaySchedule, county: str = CountyPath,
                 year: int = Path(ge=1990, le=2200)) -> CountyOut:
    """Load or replace one year's State Council schedule (holidays and make-up working days)."""
    if body.year != year:
        raise ApiError(400, "invalid", "路径中的年份与内容不一致。", f"Body year {body.year} != path year {year}.")
    try:
        sched = YearSchedule.from_json(body.model_dump())
    except ValidationError as exc:
        raise ApiError(400, "invalid_schedule", exc.zh, exc.en)
    data = sched.to_json()
    from .core import storable
    if not storable(data):
        raise ApiError(400, "invalid", "节假日安排包含无效字符。", "The schedule holds invalid characters.")
    with request.app.state.pool.connection() as conn, conn.transaction():
        row = _county_exists(conn, county, lock=True)
        conn.execute("INSERT INTO holiday_schedules(county, year, schedule) VALUES (%s, %s, %s) "
                     "ON CONFLICT (county, year) DO UPDATE SET schedule = excluded.schedule, loaded_at = now()",
                     (county, year, Jsonb(data)))
        version = conn.execute("UPDATE counties SET config_version = config_version + 1, updated_at = now() "
                               "WHERE code = %s RETURNING config_version", (county,)).fetchone()["config_version"]
    return CountyOut(code=county, name=row["name"], version=version, server_device_id=server_device_id(county))


@router.post("/counties/{county}/windows", status_code=201, response_model=WindowEnrolment)
def create_window(request: Request, body: WindowCreate, county: str = CountyPath) -> WindowEnrolment:
    """Create the window (or reuse it) and issue a one-time enrolment code for it."""
    settings = request.app.state.settings
    code = new_enrolment_code()
    expires = utcnow() + dt.timedelta(hours=settings.enrolment_ttl_hours)
    with request.app.state.pool.connection() as conn, conn.transaction():
        _county_exists(conn, county)
        conn.execute("INSERT INTO windows(county, window_code, name) VALUES (%s, %s, %s) "
                     "ON CONFLICT (county, window_code) DO UPDATE SET name = "
                     "CASE WHEN excluded.name = '' THEN windows.name ELSE excluded.name END",
                     (county, body.window_code, body.name))
        conn.execute("INSERT INTO enrolment_codes(code_hash, county, window_code, expires_at) "
                     "VALUES (%s, %s, %s, %s)", (token_hash(normalise_code(code)), county,
                                                 body.window_code, expires))
    return WindowEnrolment(county_code=county, window_code=body.window_code, enrolment_code=code,
                           expires_at=when(expires))


@router.post("/counties/{county}/departments/{dept}/users", status_code=201, response_model=DeptUserToken)
def create_dept_user(request: Request, body: DeptUserCreate, county: str = CountyPath,
                     dept: str = Path(pattern=CODE_RE, description="department code")) -> DeptUserToken:
    """Create a department user (or issue another token to an existing one)."""
    settings = request.app.state.settings
    token = new_token("dept")
    expires = utcnow() + dt.timedelta(days=settings.token_ttl_days)
    with request.app.state.pool.connection() as conn, conn.transaction():
        rules = load_rules(conn, county)
        if dept not in rules.county.departments:
            raise not_found("该部门", f"department {dept} in county {county}")
        row = conn.execute("INSERT INTO dept_users(county, username, dept_code) VALUES (%s, %s, %s) "
                           "ON CONFLICT (county, username) DO UPDATE SET username = excluded.username "
                           "RETURNING dept_code", (county, body.username, dept)).fetchone()
        if row["dept_code"] != dept:
            raise ApiError(409, "exists", "该用户名已属于其他部门。",
                           f"User {body.username} belongs to department {row['dept_code']}.")
        conn.execute("INSERT INTO tokens(token_hash, kind, county, username, dept_code, expires_at) "
                     "VALUES (%s, 'dept', %s, %s, %s, %s)",
                     (token_hash(token), county, body.username, dept, expires))
    return DeptUserToken(county_code=county, dept_code=dept, username=body.username, token=token,
                         expires_at=when(expires))


@router.post("/counties/{county}/users/{username}/revoke")
def revoke_dept_user(request: Request, county: str = CountyPath,
                     username: str = Path(pattern=r"^[^\x00-\x1f\x7f/]{1,64}$")) -> dict:
    """Revoke every token of a department user (issue a new one with POST …/users)."""
    with request.app.state.pool.connection() as conn, conn.transaction():
        _county_exists(conn, county)
        if conn.execute("SELECT 1 FROM dept_users WHERE county = %s AND username = %s",
                        (county, username)).fetchone() is None:
            raise not_found("该部门用户", f"department user {username}")
        n = conn.execute("UPDATE tokens SET revoked_at = now() WHERE county = %s AND kind = 'dept' "
                         "AND username = %s AND revoked_at IS NULL", (county, username)).rowcount
    return {"county_code": county, "username": username, "revoked_tokens": n}


def _device_out(r: dict) -> DeviceOut:
    return DeviceOut(device_id=r["device_id"], county_code=r["county"], kind=r["kind"],
                     window_code=r["window_code"], name=r["name"], chain_head=r["chain_head"],
                     enrolled_at=when(r["enrolled_at"]), last_seen_at=when(r["last_seen_at"]),
                     revoked_at=when(r["revoked_at"]))


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut)
def revoke_device(request: Request, device_id: str = Path(pattern=DEVICE_RE)) -> DeviceOut:
    """Revoke a window device: its tokens are refused from now on and it cannot re-enrol."""
    with request.app.state.pool.connection() as conn, conn.transaction():
        row = conn.execute("UPDATE devices SET revoked_at = coalesce(revoked_at, now()) "
                           "WHERE device_id = %s AND kind = 'window' RETURNING *", (device_id,)).fetchone()
        if row is None:
            raise not_found("该设备", f"window device {device_id}")
        conn.execute("UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE device_id = %s",
                     (device_id,))
    return _device_out(row)


@router.get("/counties/{county}/devices", response_model=list[DeviceOut])
def list_devices(request: Request, county: str = CountyPath) -> list[DeviceOut]:
    with request.app.state.pool.connection() as conn:
        _county_exists(conn, county)
        rows = conn.execute("SELECT * FROM devices WHERE county = %s ORDER BY enrolled_at", (county,)).fetchall()
    return [_device_out(r) for r in rows]


@router.get("/counties/{county}/chain-faults", response_model=list[ChainFault])
def chain_faults(request: Request, county: str = CountyPath) -> list[ChainFault]:
    """Events refused because their hash or chain link did not verify (most recent first)."""
    with request.app.state.pool.connection() as conn:
        _county_exists(conn, county)
        rows = conn.execute("SELECT * FROM chain_faults WHERE county = %s ORDER BY id DESC LIMIT 1000",
                            (county,)).fetchall()
    return [ChainFault(device_id=r["device_id"], event_id=r["event_id"], code=r["code"],
                       detail=r["detail"], at=when(r["at"])) for r in rows]
