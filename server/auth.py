"""Bearer tokens: administrator (from the command line), device tokens (windows) and
department user tokens. Device and department tokens are random secrets of which only
the SHA-256 is stored; they expire and can be revoked."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import ApiError

bearer_scheme = HTTPBearer(auto_error=False, description="device, department or administrator token")

# Crockford-ish alphabet without 0/O/1/I/L for codes typed by people.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def new_enrolment_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class Principal:
    kind: str                  # 'device' or 'dept'
    county: str
    device_id: str | None = None
    window_code: str | None = None
    dept_code: str | None = None
    username: str | None = None


def _unauthorised(code: str, zh: str, en: str) -> ApiError:
    return ApiError(401, code, zh, en, headers={"WWW-Authenticate": "Bearer"})


async def credentials(creds: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)) -> str:
    if creds is None or not creds.credentials:
        raise _unauthorised("missing_token", "缺少访问令牌。", "A bearer token is required.")
    return creds.credentials


async def require_admin(request: Request, token: str = Depends(credentials)) -> None:
    expected = request.app.state.admin_hash
    if expected is None:
        raise ApiError(403, "admin_disabled", "服务器未配置管理员令牌。",
                       "Administration is disabled: the server has no admin token.")
    if not hmac.compare_digest(token_hash(token), expected):
        raise _unauthorised("bad_token", "管理员令牌无效。", "Invalid administrator token.")


def lookup(request: Request, token: str) -> Principal:
    pool = request.app.state.pool
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT t.kind, t.county, t.device_id, t.dept_code, t.username, t.expires_at, "
            "t.revoked_at, d.revoked_at AS device_revoked, d.window_code "
            "FROM tokens t LEFT JOIN devices d ON d.device_id = t.device_id "
            "WHERE t.token_hash = %s", (token_hash(token),)).fetchone()
    if row is None:
        raise _unauthorised("bad_token", "访问令牌无效。", "Invalid token.")
    if row["revoked_at"] is not None or row["device_revoked"] is not None:
        raise _unauthorised("revoked", "该设备或令牌已被吊销，请联系管理员重新登记。",
                            "This token or device has been revoked.")
    if row["expires_at"] <= dt.datetime.now(dt.timezone.utc):
        raise _unauthorised("expired", "访问令牌已过期，请重新登记。", "The token has expired.")
    return Principal(row["kind"], row["county"], row["device_id"], row["window_code"],
                     row["dept_code"], row["username"])


def require_device(request: Request, token: str = Depends(credentials)) -> Principal:
    p = lookup(request, token)
    if p.kind != "device":
        raise ApiError(403, "forbidden", "此操作仅限窗口设备。", "This endpoint is for window devices.")
    return p


def require_dept(request: Request, token: str = Depends(credentials)) -> Principal:
    p = lookup(request, token)
    if p.kind != "dept":
        raise ApiError(403, "forbidden", "此操作仅限部门用户。", "This endpoint is for department users.")
    return p


def require_member(request: Request, token: str = Depends(credentials)) -> Principal:
    """A window device or a department user of some county."""
    return lookup(request, token)
