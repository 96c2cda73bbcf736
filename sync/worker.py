"""The background sync worker: Qt-free, one thread, never blocks its caller.

It syncs on start, on a timer, on demand (``sync_now``), soon after a local change
(``Store.on_change``), and on reconnect (``network_changed`` from the UI, or its own
retries with exponential backoff and full jitter while the server is unreachable).
After each round it publishes a ``SyncStatus`` through the ``on_status`` callback —
from the worker thread: a UI adapts it to a signal (``ui/sync_status.py``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
import threading
import time
from typing import Callable

from models.calendar import now

from . import client as sync_client
from . import redact

log = redact.get_logger("sync.worker")


@dataclasses.dataclass(frozen=True)
class SyncStatus:
    enrolled: bool = False
    online: bool | None = None          # None: not tried yet
    syncing: bool = False
    events_waiting: int = 0
    media_waiting: int = 0
    rejected: int = 0                   # events the server refused, for a clerk to see
    last_success: dt.datetime | None = None
    last_error: str | None = None       # Chinese, for the status bar
    next_attempt_in: float | None = None
    last_result: dict | None = None
    token_days_left: int | None = None  # days until the device token expires, when known

    def summary_zh(self) -> str:
        if not self.enrolled:
            return "单机模式（未登记县级服务器）"
        state = "正在同步…" if self.syncing else ("在线" if self.online else ("离线" if self.online is False else "未连接"))
        parts = [state, f"待上传 {self.events_waiting} 条"]
        if self.media_waiting:
            parts.append(f"待传附件 {self.media_waiting} 个")
        if self.rejected:
            parts.append(f"被退回 {self.rejected} 条")
        if self.last_success:
            parts.append("上次同步 " + self.last_success.astimezone().strftime("%m-%d %H:%M"))
        if self.last_error and not self.online:
            parts.append(self.last_error)
        if self.token_days_left is not None and self.token_days_left <= TOKEN_WARNING_DAYS:
            parts.append("设备令牌已过期，请联系信息科重新登记" if self.token_days_left < 0 else
                         f"设备令牌 {self.token_days_left} 天后过期，请联系信息科")
        return "，".join(parts)


TOKEN_WARNING_DAYS = 14


def token_days_left(store, today: dt.date | None = None) -> int | None:
    """Whole days until the device token expires (negative once it has), or None."""
    value = store.backend.get_setting(sync_client.S_TOKEN_EXPIRES)
    if not value:
        return None
    try:
        expires = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.timezone.utc)
    return (expires.date() - (today or dt.datetime.now(expires.tzinfo).date())).days


class Backoff:
    """Exponential backoff with full jitter: delay n is uniform in [base, min(cap, base·2ⁿ)]."""

    def __init__(self, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None):
        self.base, self.cap = base, cap
        self.failures = 0
        self.rng = rng or random.Random()

    def next_delay(self) -> float:
        self.failures += 1
        top = min(self.cap, self.base * (2 ** min(self.failures - 1, 30)))
        return self.rng.uniform(min(self.base, top), top)

    def reset(self) -> None:
        self.failures = 0


class SyncWorker:
    def __init__(self, store, *, interval: float = 60.0, on_status: Callable[[SyncStatus], None] | None = None,
                 backoff: Backoff | None = None, change_delay: float = 2.0,
                 round_fn: Callable[..., sync_client.SyncResult] | None = None, round_kwargs: dict | None = None):
        self.store = store
        self.interval = interval
        self.on_status = on_status
        self.backoff = backoff or Backoff()
        self.change_delay = change_delay
        self._round = round_fn or sync_client.sync_once
        self._round_kwargs = dict(round_kwargs or {})
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._due = 0.0                     # monotonic time of the next scheduled round
        self._asap = float("inf")           # an earlier round asked for (on demand, changes)
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self._unsubscribe: Callable[[], None] | None = None
        self._in_round = False
        self._counts_dirty = False
        self._http = None
        self._http_key = None
        self.rounds = 0

    # -- control (any thread; none of these block) ------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._due = time.monotonic()        # sync on start
        self._unsubscribe = self.store.on_change(self._on_store_change)
        self._thread = threading.Thread(target=self._run, name="sync-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._unsubscribe:
            try:
                self._unsubscribe()
            except ValueError:
                pass
            self._unsubscribe = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._drop_client()

    def sync_now(self) -> None:
        """On demand (the clerk's button): a round as soon as the current one ends."""
        self._schedule(0.0, reset_backoff=True)

    def network_changed(self, online: bool = True) -> None:
        """The OS says the network came back: try at once instead of waiting out the backoff."""
        if online:
            self._schedule(0.0, reset_backoff=True)

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    # -- internals -------------------------------------------------------------------------
    def _schedule(self, delay: float, reset_backoff: bool = False) -> None:
        with self._lock:
            if reset_backoff:
                self.backoff.reset()
            self._asap = min(self._asap, time.monotonic() + delay)
        self._wake.set()

    def _on_store_change(self, what: str, detail: dict) -> None:
        # local edits create outbox events: push them soon (the worker's own pulls also
        # notify; those arrive while a round runs and are ignored)
        if what == "case" and not self._in_round_thread():
            self._counts_dirty = True       # the worker recounts; the caller's thread never waits
            self._schedule(self.change_delay)

    def _in_round_thread(self) -> bool:
        return self._in_round and threading.current_thread() is self._thread

    def _publish(self, refresh_counts: bool = False, **changes) -> None:
        counts = {}
        if refresh_counts:
            self._counts_dirty = False
            try:
                counts = self._counts()
            except Exception:
                log.exception("could not count waiting items")
        with self._lock:
            self._status = dataclasses.replace(self._status, **counts, **changes)
            status = self._status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("status listener failed")

    def _counts(self) -> dict:
        s = self.store
        return {"events_waiting": s.pending_count(), "media_waiting": s.pending_blob_count(),
                "rejected": len(s.rejected_events()), "enrolled": sync_client.is_enrolled(s),
                "token_days_left": token_days_left(s)}

    def _run(self) -> None:
        self._publish(refresh_counts=True, last_success=_safe_last_success(self.store))
        while not self._stop.is_set():
            with self._lock:
                wait = min(self._due, self._asap) - time.monotonic()
            if wait > 0:
                self._wake.wait(wait)
                self._wake.clear()
                if self._counts_dirty and not self._stop.is_set():
                    self._publish(refresh_counts=True)
                continue
            self._one_round()

    def _one_round(self) -> None:
        with self._lock:
            self._asap = float("inf")       # this round serves every request made so far
        if not sync_client.is_enrolled(self.store):
            self._publish(refresh_counts=True, online=None, syncing=False, next_attempt_in=None)
            with self._lock:
                self._due = time.monotonic() + self.interval
            return
        self._publish(syncing=True)
        self._in_round = True
        try:
            kwargs = dict(self._round_kwargs)
            if self._round is sync_client.sync_once and "client" not in kwargs:
                kwargs["client"] = self._client()
            result = self._round(self.store, **kwargs)
            if result.error_code in ("auth", "no_token", "no_keyring"):
                self._drop_client()
        except Exception as exc:  # sync_once reports failures in its result; this is a bug
            log.exception("sync round crashed")
            result = sync_client.SyncResult(ok=False, errors=[f"同步程序内部错误（{type(exc).__name__}），已记录到日志。"],
                                            error_code="bug")
        finally:
            self._in_round = False
        self.rounds += 1
        if result.ok:
            self.backoff.reset()
            delay = self.interval
            if result.events_pending:       # something arrived during the round
                delay = min(delay, self.change_delay)
        else:
            delay = self.backoff.next_delay()
            if result.error_code in ("auth", "not_enrolled", "no_keyring", "no_token"):
                delay = max(delay, self.interval)   # retrying fast cannot help
        with self._lock:
            self._due = time.monotonic() + delay
        changes = dict(refresh_counts=True, syncing=False, online=result.online, next_attempt_in=round(delay, 1),
                       last_result=result.as_dict())
        if result.ok:
            changes["last_success"] = now()
            changes["last_error"] = None
        else:
            changes["last_error"] = "；".join(result.errors) or "同步失败。"
        self._publish(**changes)


    # one keep-alive HTTP session across rounds: an idle round is two small requests
    def _client(self):
        key = (self.store.backend.get_setting(sync_client.S_SERVER),
               self.store.backend.get_setting(sync_client.S_CA_FILE), self.store.device_id)
        if self._http is not None and self._http_key == key:
            return self._http
        self._drop_client()
        try:
            self._http = sync_client.client_for(self.store)
        except Exception:
            return None                 # sync_once says why in words
        self._http_key = key
        return self._http

    def _drop_client(self) -> None:
        if self._http is not None:
            try:
                self._http.close()
            except Exception:
                pass
        self._http, self._http_key = None, None


def _safe_last_success(store) -> dt.datetime | None:
    try:
        return sync_client.last_success(store)
    except Exception:
        return None
