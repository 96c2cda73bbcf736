"""Sync protocol v1, client side (docs/sync-api.md): enrolment, outbox push, attachment
upload, cursor pull and configuration, over HTTPS with verification always on.

``enroll(store, server_url, code)`` makes a standalone installation a window of the
county server; ``sync_once(store)`` runs one round and returns a ``SyncResult``. Neither
ever marks an event sent without the server's answer, and a round interrupted at any
instant (timeout, dropped connection, process killed) is resumed by the next one
without loss or duplicate: the server is idempotent by ``event_id`` and the store
applies each pulled page together with its cursor.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import json
import ipaddress
import os
import socket
import ssl
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import httpx

from models import protocol as p
from models.calendar import YearSchedule, iso, now
from models.county import CountyConfig
from models.errors import UserError, ValidationError

from . import credentials, redact

log = redact.get_logger("sync.client")
redact.install()

# settings keys (the token is never among them)
S_SERVER = "sync.server_url"
S_CA_FILE = "sync.ca_file"
S_COUNTY = "sync.county_code"
S_ETAG = "sync.config_etag"
S_ENROLLED_AT = "sync.enrolled_at"
S_TOKEN_EXPIRES = "sync.token_expires_at"
S_LAST_SUCCESS = "sync.last_success"

PUSH_BATCH = 500                 # the server's limit per request
PUSH_MAX_BYTES = 4 * 1024 * 1024  # below the server's 5 MB
PULL_LIMIT = 1000
BLOB_CHUNK = 1024 * 1024
USER_AGENT = "qiye-suqiu-sync/1"


class SyncError(UserError):
    """The round could not go on: server unreachable, refused, or answering nonsense."""

    code = "sync"


class Unreachable(SyncError):
    code = "offline"


class AuthRefused(SyncError):
    code = "auth"


class ServerTrouble(SyncError):
    code = "server"


@dataclasses.dataclass
class SyncResult:
    ok: bool = True
    pushed: int = 0              # accepted now
    duplicates: int = 0          # the server had them already (an answer lost earlier)
    rejected: list[dict] = dataclasses.field(default_factory=list)
    pulled: int = 0
    cases_changed: int = 0
    media_uploaded: int = 0
    media_downloaded: int = 0    # other windows' attachment files fetched
    media_pending: int = 0
    events_pending: int = 0
    config_updated: bool = False
    recomputed_deadlines: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    error_code: str | None = None
    online: bool = False
    started_at: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


# -- transport ----------------------------------------------------------------------------
def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalise_server_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("服务器地址应形如 https://zwfw.example.gov.cn 。",
                              f"Server URL must look like https://host[:port], got {url!r}.", field="server")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValidationError("出于安全要求，县级服务器必须使用 HTTPS 地址（仅本机测试可用 http）。",
                              "The county server must be reached over HTTPS (plain http only on loopback).",
                              field="server")
    if parts.query or parts.fragment:
        raise ValidationError("服务器地址不应包含查询参数。", "Server URL must not have a query.", field="server")
    path = parts.path.rstrip("/")
    if path.endswith(p.API_PREFIX):
        path = path[: -len(p.API_PREFIX)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def _verify(ca_file: str | None) -> ssl.SSLContext | bool:
    """TLS verification is always on; a county CA file adds to the system's trust."""
    if not ca_file:
        return True
    path = Path(ca_file)
    if not path.is_file():
        raise ValidationError(f"找不到证书文件：{ca_file}", f"CA file not found: {ca_file}", field="ca_file")
    ctx = ssl.create_default_context()
    try:
        ctx.load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        raise ValidationError(f"证书文件无法使用：{ca_file}", f"CA file unusable: {exc}", field="ca_file") from exc
    return ctx


def describe_transport_error(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "连接县级服务器超时，网络可能中断。"
    if isinstance(exc, httpx.TimeoutException):
        return "县级服务器响应超时，稍后自动重试。"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "certificate" in text or "ssl" in text:
            return "无法验证县级服务器的证书（HTTPS），请检查证书文件设置或联系信息科。"
        return "无法连接县级服务器，网络可能中断。"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return "与县级服务器的连接中断，稍后自动重试。"
    if isinstance(exc, httpx.HTTPError):
        return f"与县级服务器通信失败（{type(exc).__name__}）。"
    return f"与县级服务器通信失败（{type(exc).__name__}）。"


class SyncClient:
    """One HTTP session with the county server (keep-alive, timeouts, TLS verified)."""

    def __init__(self, server_url: str, *, token: str | None = None, ca_file: str | None = None,
                 timeout: float = 30.0, connect_timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None):
        self.base = normalise_server_url(server_url)
        self.token = token
        if token:
            redact.register_secret(token)
        kw: dict[str, Any] = {}
        if transport is not None:
            kw["transport"] = transport
        self.http = httpx.Client(
            base_url=self.base + p.API_PREFIX, verify=_verify(ca_file),
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False, trust_env=False, **kw)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "SyncClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _headers(self, extra: dict | None = None, auth: bool = True) -> dict:
        h = dict(extra or {})
        if auth:
            if not self.token:
                raise AuthRefused("尚未登记到县级服务器，没有设备令牌。", "No device token: enrol first.")
            h["Authorization"] = f"Bearer {self.token}"
        return h

    def request(self, method: str, path: str, *, auth: bool = True, headers: dict | None = None,
                **kw) -> httpx.Response:
        try:
            resp = self.http.request(method, path, headers=self._headers(headers, auth), **kw)
        except httpx.HTTPError as exc:
            log.info("%s %s failed: %s", method, path.split("?")[0], type(exc).__name__)
            raise Unreachable(describe_transport_error(exc), f"{method} {path.split('?')[0]}: "
                              f"{type(exc).__name__}") from exc
        if resp.status_code in (401, 403):
            raise AuthRefused(
                "县级服务器拒绝了本窗口的设备令牌（已过期、被吊销或无权访问），请联系管理员重新登记。",
                f"The server refused this window's token (HTTP {resp.status_code}).")
        if resp.status_code >= 500:
            raise ServerTrouble(f"县级服务器暂时故障（HTTP {resp.status_code}），稍后自动重试。",
                                f"Server error HTTP {resp.status_code} on {method} {path.split('?')[0]}.")
        return resp

    @staticmethod
    def _json(resp: httpx.Response, what: str) -> Any:
        try:
            return resp.json()
        except ValueError as exc:
            raise ServerTrouble(f"县级服务器的回答无法解析（{what}）。", f"Unparsable answer to {what}.") from exc

    @staticmethod
    def _detail(resp: httpx.Response) -> str:
        try:
            body = resp.json()
        except ValueError:
            return resp.text[:200]
        if isinstance(body, dict):
            d = body.get("detail", body.get("message", body))
            if isinstance(d, dict):
                d = d.get("message") or d.get("detail") or d
            return str(d)[:300]
        return str(body)[:300]

    # -- endpoints --------------------------------------------------------------------------
    def enrol(self, code: str, device_id: str, device_name: str) -> dict:
        resp = self.request("POST", "/enrol", auth=False,
                            json={"code": code, "device_id": device_id, "device_name": device_name})
        if resp.status_code >= 400:
            raise SyncError(f"登记失败：{self._detail(resp)}（登记码无效、已用过或已过期时请向管理员重新申请）",
                            f"Enrolment refused (HTTP {resp.status_code}): {self._detail(resp)}", code="enrol")
        data = self._json(resp, "enrol")
        for key in ("device_id", "window_code", "token"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ServerTrouble("县级服务器的登记回答不完整。", f"Enrolment answer lacks {key}.")
        redact.register_secret(data["token"])
        return data

    def push(self, events: list[dict], body: bytes | None = None) -> list[dict]:
        """POST one batch; ``body`` is its JSON when the caller encoded it already."""
        if body is None:
            body = encode_batch(events)
        resp = self.request("POST", "/events", content=body, headers={"Content-Type": "application/json"})
        if resp.status_code == 409:
            body = self._json(resp, "push")
            results = body.get("results") if isinstance(body, dict) else None
            if isinstance(results, list):
                return results
            reason = self._detail(resp)
            return [{"event_id": e["event_id"], "status": "conflict", "reason": reason} for e in events]
        if resp.status_code == 413:
            raise ServerTrouble("上传批次过大。", "Batch too large (HTTP 413).", code="too_large")
        if resp.status_code >= 400:
            raise SyncError(f"县级服务器拒收本批事件：{self._detail(resp)}",
                            f"Push refused (HTTP {resp.status_code}): {self._detail(resp)}")
        body = self._json(resp, "push")
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise ServerTrouble("县级服务器的回答缺少逐条结果。", "Push answer lacks results.")
        return results

    def pull(self, since: int, limit: int) -> dict:
        resp = self.request("GET", "/events", params={"since": since, "limit": limit})
        if resp.status_code >= 400:
            raise SyncError(f"下载事件失败：{self._detail(resp)}",
                            f"Pull refused (HTTP {resp.status_code}): {self._detail(resp)}")
        body = self._json(resp, "pull")
        if not isinstance(body, dict) or not isinstance(body.get("events"), list) or "next" not in body:
            raise ServerTrouble("县级服务器的事件页格式不正确。", "Malformed pull page.")
        return body

    def config(self, etag: str | None) -> tuple[dict | None, str | None]:
        headers = {"If-None-Match": etag} if etag else None
        resp = self.request("GET", "/config", headers=headers)
        if resp.status_code == 304:
            return None, etag
        if resp.status_code >= 400:
            raise SyncError(f"获取县级配置失败：{self._detail(resp)}",
                            f"Config refused (HTTP {resp.status_code}).")
        return self._json(resp, "config"), resp.headers.get("ETag")

    def blob_offset(self, sha256: str) -> tuple[int, bool]:
        """(bytes the server holds, complete?)"""
        resp = self.request("HEAD", f"/blobs/{sha256}")
        if resp.status_code == 404:
            return 0, False
        if resp.status_code >= 400:
            raise SyncError(f"查询附件失败（HTTP {resp.status_code}）。", f"HEAD blob HTTP {resp.status_code}.")
        flag = resp.headers.get("X-Blob-Complete")
        if flag is not None:
            complete = flag.strip().lower() == "true"
            if complete:
                return int(resp.headers.get("Upload-Length") or resp.headers.get("Content-Length") or 0), True
            return int(resp.headers.get("Upload-Offset", "0")), False
        if "Upload-Offset" in resp.headers:
            return int(resp.headers["Upload-Offset"]), False
        return int(resp.headers.get("Content-Length", "0")), True

    def blob_put(self, sha256: str, data: bytes, start: int, total: int) -> httpx.Response:
        headers = {"Content-Type": "application/octet-stream"}
        if start or len(data) != total:
            headers["Content-Range"] = f"bytes {start}-{start + len(data) - 1}/{total}"
        return self.request("PUT", f"/blobs/{sha256}", content=data, headers=headers)


# -- the store's side -----------------------------------------------------------------------
def _settings(store) -> dict:
    b = store.backend
    return {k: b.get_setting(k) for k in (S_SERVER, S_CA_FILE, S_COUNTY, S_ETAG)} | {
        "mode": b.get_setting("mode"), "window_code": b.get_setting("window_code")}


def is_enrolled(store) -> bool:
    return store.backend.get_setting("mode") == "enrolled" and bool(store.backend.get_setting(S_SERVER))


def client_for(store, *, token: str | None = None, transport: httpx.BaseTransport | None = None,
               timeout: float = 30.0) -> SyncClient:
    s = _settings(store)
    if not is_enrolled(store):
        raise SyncError("本机尚未登记到县级服务器（单机模式），无需同步。",
                        "This installation is not enrolled with a county server.", code="not_enrolled")
    tok = token or credentials.require_token(store.device_id)
    return SyncClient(s[S_SERVER], token=tok, ca_file=s[S_CA_FILE], transport=transport, timeout=timeout)


def enroll(store, server_url: str, code: str, *, ca_file: str | None = None,
           device_name: str | None = None, allow_no_keyring: bool = False,
           transport: httpx.BaseTransport | None = None) -> dict:
    """Exchange a one-time enrolment code for this window's identity and token.

    The store's own ``device_id`` is sent so that events chained before enrolment verify;
    cases registered in standalone mode are kept and pushed by the next sync. The token
    goes to the OS keyring; without one, ``allow_no_keyring`` keeps it in memory for this
    process only (and the caller must hand it to the operator), else the code is not used
    up and ``NoKeyringError`` says why."""
    code = (code or "").strip()
    if not code:
        raise ValidationError("缺少登记码。", "Enrolment code is missing.", field="code")
    server_url = normalise_server_url(server_url)
    if ca_file:
        ca_file = str(Path(ca_file).resolve())
    if not credentials.keyring_usable() and not allow_no_keyring:
        raise credentials.NoKeyringError(credentials.backend_name())
    name = device_name or socket.gethostname() or "window"
    with SyncClient(server_url, ca_file=ca_file, transport=transport) as client:
        answer = client.enrol(code, store.device_id, name)
        if answer["device_id"] != store.device_id:
            raise ServerTrouble("县级服务器分配的设备编号与本机不一致，登记未完成。",
                                "The server did not adopt this installation's device id.")
        token = answer["token"]
        if credentials.keyring_usable():
            credentials.save_token(store.device_id, token)
            stored_in = "keyring"
        else:
            credentials.remember_for_session(store.device_id, token)
            stored_in = "memory"
        b = store.backend
        with b.transaction():
            b.set_setting("window_code", answer["window_code"])
            b.set_setting("mode", "enrolled")
            b.set_setting(S_SERVER, server_url)
            b.set_setting(S_CA_FILE, ca_file)
            b.set_setting(S_COUNTY, answer.get("county_code"))
            b.set_setting(S_ENROLLED_AT, iso(now()))
            b.set_setting(S_TOKEN_EXPIRES, answer.get("expires_at"))
            b.set_setting(S_ETAG, None)
        store.reload_configuration()
        log.info("enrolled as window %s of county %s", answer["window_code"], answer.get("county_code"))
        client.token = token
        out = {"ok": True, "device_id": store.device_id, "window_code": answer["window_code"],
               "county_code": answer.get("county_code"), "server": server_url,
               "token_expires_at": answer.get("expires_at"), "token_stored_in": stored_in,
               "config_updated": False, "holiday_years": []}
        try:
            updated, years, _ = _refresh_config(store, client)
            out["config_updated"] = updated
            out["holiday_years"] = years
        except SyncError as exc:  # enrolled all the same; the next sync fetches the configuration
            out["config_error"] = exc.zh
        if stored_in == "memory":
            out["token"] = token
        return out


def _refresh_config(store, client: SyncClient) -> tuple[bool, list[int], int]:
    """Fetch the county configuration if it changed (ETag) and apply it without restart."""
    b = store.backend
    etag = b.get_setting(S_ETAG)
    body, new_etag = client.config(etag)
    if body is None:
        return False, [], 0
    if not isinstance(body, dict):
        raise ServerTrouble("县级配置格式不正确。", "Malformed configuration.")
    updated = False
    recomputed = 0
    years: list[int] = []
    county = body.get("county")
    if isinstance(county, dict) and county:
        data = dict(county)
        data.setdefault("county_code", b.get_setting(S_COUNTY) or "")
        cfg = CountyConfig.from_json(data)
        if cfg.to_json() != store.county.to_json():
            recomputed += store.apply_county_config(cfg)
            updated = True
    for sched in body.get("holidays") or []:
        new = YearSchedule.from_json(sched)
        have = store.calendar.schedules.get(new.year)
        if have is None or (have.holidays, have.workdays) != (new.holidays, new.workdays):
            recomputed += store.load_holiday_schedule(new.to_json(), source=new.source or "server")
            years.append(new.year)
            updated = True
    b.set_setting(S_ETAG, new_etag)
    if updated:
        log.info("configuration applied (holiday years %s, %d deadlines recomputed)", years, recomputed)
    return updated, years, recomputed


def encode_batch(events: list[dict]) -> bytes:
    return json.dumps({"events": events}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _frames(events: list[dict], batch: int) -> list[tuple[list[dict], bytes]]:
    """Cut the outbox into requests of at most ``batch`` events and PUSH_MAX_BYTES."""
    out = []
    for i in range(0, len(events), batch):
        stack = [events[i:i + batch]]
        while stack:
            part = stack.pop(0)
            body = encode_batch(part)
            if len(body) > PUSH_MAX_BYTES and len(part) > 1:
                half = len(part) // 2
                stack[:0] = [part[:half], part[half:]]
                continue
            out.append((part, body))
    return out


def _push(store, client: SyncClient, result: SyncResult, batch: int = PUSH_BATCH) -> None:
    """Push the outbox in chain order. While the server works on one request the store
    records the answer to the previous one: request k+1 leaves only after answer k has
    arrived (the chain stays in order), and an event is marked only from its answer."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sync-push") as sender:
        while True:
            events = store.outbox(limit=batch * 4)
            if not events:
                return
            frames = _frames(events, batch)
            inflight = sender.submit(client.push, *frames[0])
            for i, (evs, _body) in enumerate(frames):
                try:
                    answers = inflight.result()
                except ServerTrouble as exc:
                    if exc.code == "too_large" and len(evs) > 1:
                        batch = max(1, len(evs) // 2)
                        break                      # read the outbox again in smaller requests
                    raise
                inflight = sender.submit(client.push, *frames[i + 1]) if i + 1 < len(frames) else None
                try:
                    _record_answers(store, evs, answers, result)
                except BaseException:
                    if inflight is not None:       # its answer is dropped: those events stay
                        concurrent.futures.wait([inflight])   # pending and are resent
                    raise


def _record_answers(store, events: list[dict], answers: list, result: SyncResult) -> None:
    sent = {e["event_id"]: e for e in events}
    marks = []
    broken = []
    for a in answers:
        if not isinstance(a, dict) or a.get("event_id") not in sent:
            continue
        status = a.get("status")
        if status == "accepted":
            result.pushed += 1
            marks.append(a)
        elif status == "duplicate":
            result.duplicates += 1
            marks.append(a)
        elif status == "rejected" and a.get("code") == "chain_broken":
            # never accept a broken chain as a verdict on the event: keep it in the
            # outbox and say so (the server reported it as a chain fault)
            broken.append(a["event_id"])
        elif status in ("rejected", "conflict"):
            reason = str(a.get("reason") or "")
            if status == "conflict":
                reason = f"与服务器上同编号事件内容不一致：{reason}"
            ev = sent[a["event_id"]]
            result.rejected.append({"event_id": ev["event_id"], "case_id": ev["case_id"],
                                    "type": ev["type"], "reason": reason})
            marks.append({"event_id": ev["event_id"], "status": "rejected", "reason": reason})
    if marks:
        store.mark_pushed(marks)
        log.info("push: %d events answered", len(marks))
    if broken:
        log.warning("push: server reports a broken chain at %d events", len(broken))
        raise SyncError("县级服务器报告本窗口的事件链不连续，相关事件保留在待上传队列中。请联系信息科核查。",
                        "The server reports this window's event chain as broken; the events stay queued.",
                        code="chain_broken")
    if not marks:
        raise ServerTrouble("县级服务器没有对本批事件逐条作答，已停止上传，稍后重试。",
                            "The server answered none of the batch's events.")


def _upload_blobs(store, client: SyncClient, result: SyncResult) -> None:
    for blob in store.pending_blobs():
        sha = blob["sha256"]
        path = store.attachment_path(sha)
        try:
            total = path.stat().st_size
        except FileNotFoundError:
            result.errors.append(f"附件文件缺失：{sha[:12]}…（案件需重新添加附件）")
            continue
        offset, complete = client.blob_offset(sha)
        if complete and offset == total:
            store.mark_blob_uploaded(sha)
            result.media_uploaded += 1
            continue
        if offset > total or complete:
            offset = 0
        with open(path, "rb") as fh:
            fh.seek(offset)
            while offset < total:
                chunk = fh.read(BLOB_CHUNK)
                resp = client.blob_put(sha, chunk, offset, total)
                if resp.status_code == 409 or resp.status_code == 416:
                    # the server's idea of the offset differs: ask again and resume there
                    offset, complete = client.blob_offset(sha)
                    if complete:
                        break
                    fh.seek(offset)
                    continue
                if resp.status_code >= 400:
                    raise SyncError(f"附件上传被拒（HTTP {resp.status_code}）：{client._detail(resp)}",
                                    f"Blob upload refused HTTP {resp.status_code}.")
                offset += len(chunk)
        store.mark_blob_uploaded(sha)
        result.media_uploaded += 1


def _download_blobs(store, client: SyncClient, result: SyncResult) -> None:
    """Fetch the files of attachments registered at other windows (verified by hash)."""
    for blob in store.missing_attachment_files():
        sha = blob["sha256"]
        part = store.attachment_path(sha).with_suffix(".download")
        part.parent.mkdir(parents=True, exist_ok=True)
        try:
            with client.http.stream("GET", f"/blobs/{sha}", headers=client._headers(None, True)) as resp:
                if resp.status_code == 404:   # the other window has not sent it yet
                    continue
                if resp.status_code in (401, 403):
                    raise AuthRefused("县级服务器拒绝了本窗口的设备令牌，请联系管理员重新登记。",
                                      f"Blob download refused HTTP {resp.status_code}.")
                if resp.status_code >= 400:
                    raise ServerTrouble(f"附件下载失败（HTTP {resp.status_code}），稍后重试。",
                                        f"Blob download HTTP {resp.status_code}.")
                with open(part, "wb") as fh:
                    for chunk in resp.iter_bytes(BLOB_CHUNK):
                        fh.write(chunk)
        except httpx.HTTPError as exc:
            part.unlink(missing_ok=True)
            raise Unreachable(describe_transport_error(exc), f"GET blob: {type(exc).__name__}") from exc
        try:
            store.store_fetched_attachment(sha, part)
        except UserError as exc:
            part.unlink(missing_ok=True)
            result.errors.append(exc.zh)
            continue
        result.media_downloaded += 1


def _pull(store, client: SyncClient, result: SyncResult, limit: int = PULL_LIMIT) -> None:
    cursor = store.sync_cursor()
    while True:
        page = client.pull(cursor, limit)
        events = page["events"]
        try:
            nxt = int(page["next"])
        except (TypeError, ValueError) as exc:
            raise ServerTrouble("县级服务器的事件页游标无效。", "Invalid cursor.") from exc
        clean = []
        for ev in events:
            if not isinstance(ev, dict) or any(k not in ev for k in p.ENVELOPE_FIELDS) or "server_seq" not in ev:
                raise ServerTrouble("县级服务器返回的事件缺少字段。", "Pulled event lacks fields.")
            if p.event_hash(ev) != ev["hash"]:
                raise ServerTrouble("县级服务器返回的事件未通过校验（哈希不符），已停止下载。",
                                    f"Pulled event {ev.get('event_id')} fails its hash.")
            if int(ev["server_seq"]) <= cursor:
                continue  # a page that overlaps what we have: already applied
            clean.append({k: ev[k] for k in p.ENVELOPE_FIELDS} | {"server_seq": int(ev["server_seq"])})
        if clean:
            nxt = max(nxt, max(e["server_seq"] for e in clean))
        if nxt < cursor:
            raise ServerTrouble("县级服务器的事件游标倒退，已停止下载。", "Cursor went backwards.")
        if clean or nxt != cursor:
            changed = store.apply_pulled(clean, nxt)
            result.pulled += len(clean)
            result.cases_changed += len(changed)
        more = bool(page.get("more"))
        if not more:
            return
        if nxt == cursor and not clean:
            raise ServerTrouble("县级服务器声称还有事件却未给出新的游标。", "more=true without progress.")
        cursor = nxt


def sync_once(store, *, client: SyncClient | None = None, token: str | None = None,
              transport: httpx.BaseTransport | None = None, push_batch: int = PUSH_BATCH,
              pull_limit: int = PULL_LIMIT, config: bool = True) -> SyncResult:
    """One round: configuration, push, pull, attachments. Never raises for the network
    or the server: the result says what happened (``ok``, ``errors`` in words)."""
    result = SyncResult(started_at=iso(now()))
    t0 = time.perf_counter()
    own = client is None
    try:
        try:
            if own:
                client = client_for(store, token=token, transport=transport)
        except UserError as exc:
            result.ok = False
            result.errors.append(exc.zh)
            result.error_code = exc.code
            return result
        steps: list[tuple[str, Callable[[], Any]]] = []
        if config:
            steps.append(("config", lambda: _apply_config_step(store, client, result)))
        steps += [
            ("push", lambda: _push(store, client, result, push_batch)),
            ("pull", lambda: _pull(store, client, result, pull_limit)),
            ("media", lambda: _upload_blobs(store, client, result)),
            ("media-in", lambda: _download_blobs(store, client, result)),
        ]
        for name, step in steps:
            try:
                step()
                result.online = True
            except (Unreachable, AuthRefused) as exc:
                # nothing further can work in this round
                result.ok = False
                result.errors.append(exc.zh)
                result.error_code = exc.code
                break
            except UserError as exc:
                result.ok = False
                result.online = result.online or not isinstance(exc, Unreachable)
                result.errors.append(exc.zh)
                result.error_code = result.error_code or exc.code
                if name == "push":
                    break  # do not pull on top of a half-answered push; next round resumes
            except Exception as exc:  # a bug: keep the traceback in the log, say so in words
                log.exception("sync step %s failed", name)
                result.ok = False
                result.errors.append(f"同步时发生程序内部错误（{type(exc).__name__}），已记录到日志。")
                result.error_code = result.error_code or "bug"
                break
        if result.ok:
            _note_success(store, result)
    finally:
        if own and client is not None:
            client.close()
        try:
            result.media_pending = store.pending_blob_count()
            if result.media_pending or result.media_uploaded or result.pulled:
                store.refresh_awaiting_media()   # a rebuilt case lost its flag; uploads clear it
            result.events_pending = store.pending_count()
        except Exception:  # the figures are a courtesy; never hide the round's outcome
            log.exception("could not count pending items")
        result.seconds = round(time.perf_counter() - t0, 4)
    log.info("sync round: ok=%s pushed=%d dup=%d rejected=%d pulled=%d media=%d/%d pending=%d",
             result.ok, result.pushed, result.duplicates, len(result.rejected), result.pulled,
             result.media_uploaded, result.media_pending, result.events_pending)
    return result


_last_written: dict[str, float] = {}


def _note_success(store, result: SyncResult) -> None:
    """Remember the last successful round; an idle round writes it at most once a minute
    (each write is a synchronous commit)."""
    key = str(store.data_dir)
    busy = result.pushed or result.pulled or result.duplicates or result.rejected or result.config_updated
    if busy or time.monotonic() - _last_written.get(key, -1e9) >= 60:
        store.backend.set_setting(S_LAST_SUCCESS, iso(now()))
        _last_written[key] = time.monotonic()


def _apply_config_step(store, client: SyncClient, result: SyncResult) -> None:
    updated, _years, recomputed = _refresh_config(store, client)
    result.config_updated = updated
    result.recomputed_deadlines = recomputed


def last_success(store) -> dt.datetime | None:
    value = store.backend.get_setting(S_LAST_SUCCESS)
    return dt.datetime.fromisoformat(value) if value else None


def device_name_default() -> str:
    return os.environ.get("COMPUTERNAME") or socket.gethostname() or "window"
