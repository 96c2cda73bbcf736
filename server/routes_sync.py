"""Window endpoints: enrolment, event push and pull, blobs, configuration; health."""
from __future__ import annotations

import datetime as dt
import hashlib
import re

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from models import protocol as p

from .auth import Principal, new_token, normalise_code, require_device, require_member, token_hash
from .common import ERRORS, utcnow, when
from .core import ingest, load_rules, transact
from .errors import ApiError
from .schemas import (BlobStatus, ConfigResponse, EnrolRequest, EnrolResponse, PullResponse,
                      PushRequest, PushResponse)

router = APIRouter(prefix=p.API_PREFIX, responses=ERRORS)

SHA_PATH = Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, lower-case hex")
_RANGE = re.compile(r"^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$")


@router.get("/health", tags=["windows"])
def health(request: Request) -> dict:
    """No token needed: the server is up and its database answers."""
    with request.app.state.pool.connection() as conn:
        conn.execute("SELECT 1")
    return {"ok": True, "protocol": p.PROTOCOL_VERSION}


@router.post("/enrol", tags=["windows"], response_model=EnrolResponse)
def enrol(request: Request, body: EnrolRequest) -> EnrolResponse:
    """Exchange a one-time enrolment code for a device token. The server adopts the client's
    own device_id so that events chained before enrolment verify."""
    settings = request.app.state.settings
    code_hash = token_hash(normalise_code(body.code))
    device_id = body.device_id.lower()
    token = new_token("dev")
    expires = utcnow() + dt.timedelta(days=settings.token_ttl_days)
    bad = ApiError(400, "bad_code", "登记码无效、已使用或已过期。请向管理员索取新的登记码。",
                   "The enrolment code is invalid, used or expired.")

    def run(conn):
        row = conn.execute("SELECT * FROM enrolment_codes WHERE code_hash = %s FOR UPDATE",
                           (code_hash,)).fetchone()
        if row is None or row["used_at"] is not None or row["expires_at"] <= utcnow():
            raise bad
        county, window_code = row["county"], row["window_code"]
        dev = conn.execute("SELECT * FROM devices WHERE device_id = %s FOR UPDATE", (device_id,)).fetchone()
        if dev is not None:
            if dev["county"] != county or dev["kind"] != "window":
                raise ApiError(409, "device_elsewhere", "该设备已登记在其他县。",
                               "This device is enrolled with another county.")
            if dev["revoked_at"] is not None:
                raise ApiError(403, "revoked", "该设备已被吊销，不能重新登记。", "This device has been revoked.")
        other = conn.execute("SELECT device_id FROM devices WHERE county = %s AND window_code = %s "
                             "AND kind = 'window' AND revoked_at IS NULL AND device_id <> %s",
                             (county, window_code, device_id)).fetchone()
        if other is not None:
            raise ApiError(409, "window_in_use", "该窗口已由另一台设备使用；请管理员先吊销旧设备。",
                           f"Window {window_code} is in use by device {other['device_id']}; revoke it first.")
        if dev is None:
            conn.execute("INSERT INTO devices(device_id, county, kind, window_code, name, chain_head) "
                         "VALUES (%s, %s, 'window', %s, %s, %s)",
                         (device_id, county, window_code, body.device_name, p.GENESIS_HASH))
        else:   # re-enrolment (e.g. an expired token): the chain is kept, old tokens go
            conn.execute("UPDATE devices SET window_code = %s, name = %s WHERE device_id = %s",
                         (window_code, body.device_name or dev["name"], device_id))
            conn.execute("UPDATE tokens SET revoked_at = now() WHERE device_id = %s AND revoked_at IS NULL",
                         (device_id,))
        conn.execute("UPDATE enrolment_codes SET used_at = now(), used_by = %s WHERE code_hash = %s",
                     (device_id, code_hash))
        conn.execute("INSERT INTO tokens(token_hash, kind, county, device_id, expires_at) "
                     "VALUES (%s, 'device', %s, %s, %s)", (token_hash(token), county, device_id, expires))
        return EnrolResponse(device_id=device_id, window_code=window_code, county_code=county,
                             token=token, expires_at=when(expires))

    return transact(request.app.state.pool, run)


@router.post("/events", tags=["windows"], response_model=PushResponse, response_model_exclude_none=True,
             responses={409: {"model": PushResponse, "description": "every event of the batch is a conflict"}})
def push(request: Request, body: PushRequest, who: Principal = Depends(require_device)):
    """Push a batch of this device's events, in chain order. Answers per event."""
    events = [e.model_dump() for e in body.events]
    if not events:
        return {"results": []}
    results, _ = transact(request.app.state.pool,
                          lambda conn: ingest(conn, who.county, who.device_id, events))
    if all(r["status"] == "conflict" for r in results):
        return JSONResponse({"code": "conflict", "message": "事件编号冲突：同一编号已以不同内容提交。",
                             "message_en": "Every event conflicts with a stored event of the same id.",
                             "results": results}, status_code=409)
    return {"results": results}


@router.get("/events", tags=["windows"], response_model=PullResponse)
def pull(request: Request, who: Principal = Depends(require_device),
         since: int = Query(0, ge=0, le=2**62, description="the cursor: last server_seq seen"),
         limit: int = Query(1000, ge=1, le=5000, description="page size")):
    """Events of the device's county with server_seq > since, in server_seq order."""
    limit = min(limit, request.app.state.settings.max_pull)
    with request.app.state.pool.connection() as conn:
        rows = conn.execute("SELECT server_seq, body FROM events WHERE county = %s AND server_seq > %s "
                            "ORDER BY server_seq LIMIT %s", (who.county, since, limit + 1)).fetchall()
        # at most one write a minute per device: an idle pull stays read-only (no commit flush)
        conn.execute("UPDATE devices SET last_seen_at = now() WHERE device_id = %s AND "
                     "(last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute')", (who.device_id,))
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = rows[-1]["server_seq"] if rows else since
    # bodies are stored as canonical JSON objects: splice server_seq in without re-encoding
    parts = ",".join('{"server_seq":%d,%s' % (r["server_seq"], r["body"][1:]) for r in rows)
    text = '{"events":[%s],"next":%d,"more":%s}' % (parts, nxt, "true" if more else "false")
    return Response(text.encode("utf-8"), media_type="application/json")


@router.get("/config", tags=["windows"], response_model=ConfigResponse,
            responses={304: {"description": "not modified (If-None-Match matched the ETag)"}})
def config(request: Request, who: Principal = Depends(require_member)):
    """The county's configuration and holiday schedules, with an ETag."""
    with request.app.state.pool.connection() as conn:
        rules = load_rules(conn, who.county)
    body, etag = rules.config_body()
    inm = request.headers.get("if-none-match")
    if inm:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        if "*" in tags or etag in tags:
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return Response(body, media_type="application/json", headers={"ETag": etag, "Cache-Control": "no-cache"})


# -- blobs ----------------------------------------------------------------------------------
def _blob_row(conn, county: str, sha: str, lock: bool = False):
    return conn.execute("SELECT * FROM blobs WHERE county = %s AND sha256 = %s" + (" FOR UPDATE" if lock else ""),
                        (county, sha)).fetchone()


def _blob_headers(row) -> dict[str, str]:
    h = {"Upload-Offset": str(row["received"]), "X-Blob-Complete": "true" if row["complete"] else "false"}
    if row["total"] is not None:
        h["Upload-Length"] = str(row["total"])
    return h


@router.head("/blobs/{sha256}", tags=["windows"],
             responses={200: {"description": "stored (headers tell how much)"}, 404: {"description": "nothing stored"}})
def blob_head(request: Request, sha256: str = SHA_PATH, who: Principal = Depends(require_member)):
    """Complete: Content-Length = size, X-Blob-Complete: true. Partial: Upload-Offset = bytes
    stored, X-Blob-Complete: false. Nothing: 404."""
    with request.app.state.pool.connection() as conn:
        row = _blob_row(conn, who.county, sha256)
    if row is None:
        return Response(status_code=404)
    headers = _blob_headers(row)
    headers["Content-Length"] = str(row["total"] if row["complete"] else 0)
    return Response(status_code=200, headers=headers)


@router.get("/blobs/{sha256}", tags=["windows"],
            responses={200: {"content": {"application/octet-stream": {}}}})
def blob_get(request: Request, sha256: str = SHA_PATH, who: Principal = Depends(require_member)):
    """Download a complete blob of the county."""
    pool = request.app.state.pool
    with pool.connection() as conn:
        row = _blob_row(conn, who.county, sha256)
        if row is None or not row["complete"]:
            raise ApiError(404, "not_found", "附件不存在或尚未上传完成。", "No complete blob with this hash.")
        starts = [r["start"] for r in conn.execute(
            "SELECT start FROM blob_parts WHERE county = %s AND sha256 = %s ORDER BY start", (who.county, sha256))]

    def chunks():
        for start in starts:
            with pool.connection() as c:
                yield c.execute("SELECT data FROM blob_parts WHERE county = %s AND sha256 = %s AND start = %s",
                                (who.county, sha256, start)).fetchone()["data"]

    return StreamingResponse(chunks(), media_type="application/octet-stream",
                             headers={"Content-Length": str(row["total"]), "ETag": f'"{sha256}"'})


_BINARY_BODY = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
    "parameters": [{"name": "Content-Range", "in": "header", "required": False,
                    "schema": {"type": "string", "pattern": r"^bytes \d+-\d+/\d+$"},
                    "description": "bytes START-END/TOTAL (END inclusive) to send a part"}]}


@router.put("/blobs/{sha256}", tags=["windows"], response_model=BlobStatus, openapi_extra=_BINARY_BODY,
            responses={409: {"description": "the part does not start at the stored offset (see Upload-Offset)"}})
async def blob_put(request: Request, sha256: str = SHA_PATH, who: Principal = Depends(require_device)):
    """Upload a blob whole, or in parts with Content-Range (resume from HEAD's Upload-Offset).
    When the last byte arrives the content is checked against the hash (400 on mismatch;
    the partial upload is discarded)."""
    data = await request.body()
    return await run_in_threadpool(_blob_put, request, who.county, sha256, data,
                                   request.headers.get("content-range"))


def _blob_put(request: Request, county: str, sha: str, data: bytes, crange: str | None):
    settings = request.app.state.settings
    if crange is not None:
        m = _RANGE.match(crange.strip())
        if not m:
            raise ApiError(400, "bad_range", "Content-Range 格式应为 bytes START-END/TOTAL。",
                           "Content-Range must be 'bytes START-END/TOTAL'.")
        start, end, total = map(int, m.groups())
        if end < start or end >= total or end - start + 1 != len(data):
            raise ApiError(400, "bad_range", "Content-Range 与内容长度不符。",
                           "Content-Range does not match the body length.")
    else:
        start, total = 0, len(data)
    if total > settings.max_blob_size:
        raise ApiError(413, "too_large", "附件过大。", f"Blob larger than {settings.max_blob_size} bytes.")
    outcome: dict = {}

    def run(conn):
        row = _blob_row(conn, county, sha, lock=True)
        if row is None:
            conn.execute("INSERT INTO blobs(county, sha256, total) VALUES (%s, %s, %s) "
                         "ON CONFLICT DO NOTHING", (county, sha, total))
            row = _blob_row(conn, county, sha, lock=True)
        if row["complete"]:
            return row
        if row["total"] is not None and row["total"] != total:
            outcome["error"] = ApiError(409, "length_mismatch", "附件总长度与先前的上传不一致。",
                                        f"Total {total} differs from the earlier upload's {row['total']}.",
                                        headers=_blob_headers(row))
            return row
        offset = row["received"]
        chunk, at = data, start
        if at < offset:                      # overlap with what we have: keep only the new tail
            chunk, at = data[offset - at:], offset
        elif at > offset:
            outcome["error"] = ApiError(409, "offset_mismatch", "上传位置不连续，请从已保存的位置继续。",
                                        f"Part starts at {start}, stored offset is {offset}.",
                                        headers=_blob_headers(row))
            return row
        if chunk:
            conn.execute("INSERT INTO blob_parts(county, sha256, start, data) VALUES (%s, %s, %s, %s)",
                         (county, sha, at, chunk))
            offset += len(chunk)
        if offset == total:
            h = hashlib.sha256()
            for part in conn.execute("SELECT data FROM blob_parts WHERE county = %s AND sha256 = %s "
                                     "ORDER BY start", (county, sha)):
                h.update(part["data"])
            if h.hexdigest() != sha:
                conn.execute("DELETE FROM blobs WHERE county = %s AND sha256 = %s", (county, sha))
                outcome["error"] = ApiError(400, "hash_mismatch", "附件内容与其 SHA-256 不符，已丢弃，请重新上传。",
                                            "The content does not match its SHA-256; discarded.")
                return row
            return conn.execute("UPDATE blobs SET received = %s, complete = true, completed_at = now() "
                                "WHERE county = %s AND sha256 = %s RETURNING *", (offset, county, sha)).fetchone()
        return conn.execute("UPDATE blobs SET received = %s WHERE county = %s AND sha256 = %s RETURNING *",
                            (offset, county, sha)).fetchone()

    row = transact(request.app.state.pool, run)
    if "error" in outcome:
        raise outcome["error"]
    status = BlobStatus(sha256=sha, complete=row["complete"], offset=row["received"], size=row["total"])
    return JSONResponse(status.model_dump(), status_code=200,
                        headers=_blob_headers(row))
