"""``main.py enroll``, ``main.py sync`` and ``main.py sync-status``.

JSON on stdout, messages on stderr. ``sync`` exits 0 when the round went through, 1 when
it went through but the server refused some events (kept for a clerk, see
``sync-status``), 2 when it could not run (server unreachable, token refused, not
enrolled).
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

EXIT_OK, EXIT_PARTIAL, EXIT_FAILED = 0, 1, 2


def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _say(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def _open_store(args):
    from models.store import Store

    return Store.open(getattr(args, "data_dir", None))


def _log_to_file(store) -> None:
    """The sync log of headless runs: <data dir>/logs/sync.log (scrubbed of tokens and phones)."""
    from . import redact

    redact.install()
    logger = logging.getLogger("sync")
    if any(isinstance(h, logging.FileHandler) for h in logger.handlers):
        return
    folder = Path(store.data_dir) / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(folder / "sync.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redact.RedactingFilter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _read_token_from_stdin(store) -> None:
    from models.errors import ValidationError

    from . import credentials

    token = sys.stdin.readline().strip()
    if not token:
        raise ValidationError("标准输入中没有设备令牌。", "No device token on stdin.", field="token")
    credentials.remember_for_session(store.device_id, token)


def cmd_enroll(args) -> int:
    from . import client

    store = _open_store(args)
    try:
        _log_to_file(store)
        out = client.enroll(store, args.server, args.code, ca_file=args.ca_file, device_name=args.device_name,
                            allow_no_keyring=args.no_keyring)
    finally:
        store.close()
    if out.get("token_stored_in") == "memory":
        _say("警告：本机没有系统凭据库，设备令牌未保存。令牌仅在此输出中出现一次，请妥善交给操作员；"
             "以后每次同步请用 --token-stdin 输入。")
    else:
        _say(f"登记成功：窗口 {out['window_code']}（{out.get('county_code') or ''}），设备令牌已存入系统凭据库。")
    if out.get("config_error"):
        _say("县级配置暂未取得：" + out["config_error"])
    _emit(out)
    return EXIT_OK


def cmd_sync(args) -> int:
    from . import client

    store = _open_store(args)
    try:
        _log_to_file(store)
        if args.token_stdin:
            _read_token_from_stdin(store)
        result = client.sync_once(store, push_batch=min(max(1, args.batch), 500), pull_limit=max(1, args.page))
        rejected_total = len(store.rejected_events())
    finally:
        store.close()
    out = {"ok": result.ok, **result.as_dict(), "rejected_total": rejected_total}
    _emit(out)
    for e in result.errors:
        _say(e)
    if result.rejected:
        _say(f"县级服务器退回 {len(result.rejected)} 条事件，原因见 sync-status。")
    if not result.ok:
        return EXIT_FAILED
    _say(f"同步完成：上传 {result.pushed} 条，下载 {result.pulled} 条，待上传 {result.events_pending} 条。")
    return EXIT_PARTIAL if result.rejected else EXIT_OK


def cmd_sync_status(args) -> int:
    from . import client, credentials

    store = _open_store(args)
    try:
        b = store.backend
        rejected = [{"event_id": e["event_id"], "case_id": e["case_id"], "type": e["type"],
                     "created_at": e["created_at"], "reason": e["push_error"]} for e in store.rejected_events()]
        last = client.last_success(store)
        out = {"ok": True, "enrolled": client.is_enrolled(store), "mode": b.get_setting("mode"),
               "window_code": store.window_code, "device_id": store.device_id,
               "server": b.get_setting(client.S_SERVER), "county_code": b.get_setting(client.S_COUNTY),
               "events_waiting": store.pending_count(), "media_waiting": store.pending_blob_count(),
               "pull_cursor": store.sync_cursor(), "last_success": last.isoformat() if last else None,
               "keyring": credentials.backend_name(), "keyring_usable": credentials.keyring_usable(),
               "rejected": rejected}
    finally:
        store.close()
    _emit(out)
    return EXIT_OK


def register_commands(add) -> None:
    p = add("enroll", cmd_enroll, "enrol this installation as a window of the county server")
    p.add_argument("--server", required=True, help="county server, e.g. https://zwfw.example.gov.cn")
    p.add_argument("--code", required=True, help="one-time enrolment code from the administrator")
    p.add_argument("--ca-file", default=None, help="county CA certificate (PEM) to trust besides the system's")
    p.add_argument("--device-name", default=None, help="name shown to the administrator (default: host name)")
    p.add_argument("--no-keyring", action="store_true",
                   help="on a machine without an OS keyring: print the token once instead of failing")
    p = add("sync", cmd_sync, "one sync round with the county server")
    p.add_argument("--token-stdin", action="store_true",
                   help="read the device token from stdin (machines without an OS keyring)")
    p.add_argument("--batch", type=int, default=500, help="events per push request (max 500)")
    p.add_argument("--page", type=int, default=1000, help="events per pull page")
    p = add("sync-status", cmd_sync_status, "what waits to be sent, what the server refused and why")
