"""Department endpoints (department user token): the cases assigned to the department,
accept (办理中), reply (analysis + measures + policy basis), extension request. Each
action is an event of the county's server device, chained and validated like any other."""
from __future__ import annotations

import json
import uuid
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from models import protocol as p
from models.calendar import iso, now

from .auth import Principal, require_dept
from .common import ERRORS
from .core import ingest, load_rules, server_device_id, transact
from .errors import ApiError
from .schemas import CASE_RE, DeptActionResponse, DeptCase, DeptCases, ExtensionRequest, ReplyRequest

router = APIRouter(prefix=p.API_PREFIX + "/dept", tags=["departments"], responses=ERRORS)
CasePath = Path(pattern=CASE_RE, description="case id")


@router.get("/cases", response_model=DeptCases)
def list_cases(request: Request, who: Principal = Depends(require_dept),
               status: Literal["open", "all"] = Query("open", description="open: not replied/closed yet")):
    """Cases whose lead department or co-department is the user's department."""
    sql = ("SELECT lead_dept, state FROM cases WHERE county = %s AND (lead_dept = %s OR %s = ANY(co_depts))")
    args: list = [who.county, who.dept_code, who.dept_code]
    if status == "open":
        sql += " AND status = ANY(%s)"
        args.append(sorted(p.OPEN_STATUSES))
    sql += " ORDER BY last_seq"
    with request.app.state.pool.connection() as conn:
        rows = conn.execute(sql, args).fetchall()
    return DeptCases(dept_code=who.dept_code, cases=[
        DeptCase(role="lead" if r["lead_dept"] == who.dept_code else "co", case=r["state"]) for r in rows])


def _act(request: Request, who: Principal, case_id: str, etype: str, payload: dict) -> DeptActionResponse:
    county = who.county
    device_id = server_device_id(county)

    def run(conn):
        load_rules(conn, county, lock=True)
        row = conn.execute("SELECT county, lead_dept, co_depts FROM cases WHERE case_id = %s FOR UPDATE",
                           (case_id,)).fetchone()
        if row is None or row["county"] != county or (
                row["lead_dept"] != who.dept_code and who.dept_code not in row["co_depts"]):
            raise ApiError(404, "not_found", "找不到分派给本部门的该案件。", "No such case assigned to your department.")
        if row["lead_dept"] != who.dept_code:
            raise ApiError(403, "not_lead", "只有牵头单位可以办理此操作；协办单位请与牵头单位联系。",
                           "Only the lead department may do this.")
        head = conn.execute("SELECT chain_head FROM devices WHERE device_id = %s FOR UPDATE",
                            (device_id,)).fetchone()["chain_head"]
        env = {"event_id": str(uuid.uuid4()), "case_id": case_id, "device_id": device_id, "type": etype,
               "payload": dict(payload, dept_code=who.dept_code, actor=who.username),
               "created_at": iso(now()), "prev_hash": head}
        env["hash"] = p.event_hash(env)
        results, states = ingest(conn, county, device_id, [env])
        res = results[0]
        if res["status"] != "accepted":   # raising rolls the event back out of the chain
            raise ApiError(409, res.get("code") or "conflict", res.get("reason") or "无法执行。",
                           res.get("reason_en") or "Not possible now.")
        return DeptActionResponse(event=dict(env, server_seq=res["server_seq"]), case=states[case_id])

    return transact(request.app.state.pool, run)


@router.post("/cases/{case_id}/accept", response_model=DeptActionResponse)
def accept(request: Request, case_id: str = CasePath, who: Principal = Depends(require_dept)):
    """The lead department starts handling the case: status 办理中 (in_progress)."""
    return _act(request, who, case_id, p.STATUS_CHANGED, {"to": p.IN_PROGRESS})


@router.post("/cases/{case_id}/reply", response_model=DeptActionResponse)
def reply(request: Request, body: ReplyRequest, case_id: str = CasePath, who: Principal = Depends(require_dept)):
    """The answer: analysis, measures taken and policy basis — all three required."""
    return _act(request, who, case_id, p.REPLIED, body.model_dump())


@router.post("/cases/{case_id}/extension", response_model=DeptActionResponse)
def extension(request: Request, body: ExtensionRequest, case_id: str = CasePath,
              who: Principal = Depends(require_dept)):
    """Ask for more working days; a clerk decides at the window (extension_decided)."""
    return _act(request, who, case_id, p.EXTENSION_REQUESTED, body.model_dump())
