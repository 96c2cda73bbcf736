"""Background work as operations on the store, never as widgets (Anki's CollectionOp).

    Op(lambda: store.register(record, clerk=...)) \
        .success(on_saved).failure(on_failed).run_in_background()

``fn`` runs on a pool thread; ``success``/``failure`` callbacks run on the main thread
because the relay object lives there and its signals cross threads as queued calls.
Without a failure callback an exception goes to ``ui.errors.show_exception``.
"""
from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

from .qt import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

# Running operations are kept alive here until their result has been delivered.
_running: set["Op"] = set()


class _Relay(QObject):
    """Lives on the main thread; the worker emits, Qt queues the call to these slots."""

    finished_ok = Signal(object)
    finished_error = Signal(object)

    def __init__(self, op: "Op"):
        super().__init__()
        self._op = op
        self.finished_ok.connect(self._ok)
        self.finished_error.connect(self._error)

    @Slot(object)
    def _ok(self, boxed: list) -> None:
        self._op._deliver_ok(boxed[0])

    @Slot(object)
    def _error(self, boxed: list) -> None:
        self._op._deliver_error(boxed[0])


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay

    def run(self) -> None:  # pool thread
        try:
            result = self._fn()
        except BaseException as exc:  # delivered, sorted by ui.errors on the main thread
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._emit(self._relay.finished_error, exc)
        else:
            self._emit(self._relay.finished_ok, result)

    @staticmethod
    def _emit(signal, value) -> None:
        try:
            signal.emit([value])  # boxed, so that None is never the bare payload
        except RuntimeError:
            pass  # the owner was deleted meanwhile: nobody wants the answer


class Op:
    def __init__(self, fn: Callable[[], Any], *, parent_widget=None, owner=None):
        """``owner``: a QObject whose deletion cancels delivery (a closed dialog or view
        must not be called back); ``parent_widget`` parents error boxes."""
        self._fn = fn
        self._owner = owner if owner is not None else parent_widget
        self._on_success: Callable[[Any], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._parent_widget = parent_widget
        self._relay: _Relay | None = None

    def success(self, callback: Callable[[Any], None]) -> "Op":
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> "Op":
        self._on_failure = callback
        return self

    def run_in_background(self, pool: QThreadPool | None = None, *, owner=None) -> "Op":
        if owner is not None:
            self._owner = owner
        relay = _Relay(self)  # created here, on the main thread, so its slots run here
        if self._owner is not None:
            relay.setParent(self._owner)  # deleted with its owner: Qt then drops the delivery
            relay.destroyed.connect(self._forget)
        self._relay = relay
        _running.add(self)
        (pool or QThreadPool.globalInstance()).start(_Task(self._fn, relay))
        return self

    def _forget(self, *_args) -> None:
        _running.discard(self)

    def _deliver_ok(self, result: Any) -> None:
        _running.discard(self)
        if self._on_success is not None:
            try:
                self._on_success(result)
            except RuntimeError as exc:
                if "already deleted" in str(exc):
                    log.debug("result for a closed view dropped: %s", exc)
                    return
                from .errors import show_exception
                show_exception(exc, self._parent_widget)
            except Exception as exc:  # a bug in a callback must not vanish silently
                from .errors import show_exception
                show_exception(exc, self._parent_widget)

    def _deliver_error(self, exc: BaseException) -> None:
        _running.discard(self)
        if self._on_failure is not None:
            self._on_failure(exc)
            return
        from .errors import show_exception
        show_exception(exc, self._parent_widget)


def pending_operations() -> int:
    """How many operations have not delivered yet (tests wait for zero)."""
    return len(_running)
