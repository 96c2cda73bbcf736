"""The sync worker, adapted to Qt: its status arrives as a signal in the GUI thread.

    bridge = SyncBridge(store, parent=main_window)
    bridge.attach(main_window)        # status bar text via MainWindow.set_sync_state
    bridge.start()                    # sync on start, on a timer, on reconnect
    bridge.sync_now()                 # the clerk's "sync now"
    bridge.stop()                     # on close

The worker (``sync.worker.SyncWorker``) is Qt-free and runs in its own thread; its
callback only emits ``status_changed``, which Qt queues to the GUI thread. A network
reachability change reported by the OS (QNetworkInformation, when a backend loads)
triggers a round at once.
"""
from __future__ import annotations

import logging

from sync.worker import SyncStatus, SyncWorker

from .qt import QInputDialog, QLineEdit, QObject, Signal

log = logging.getLogger(__name__)


class SyncBridge(QObject):
    status_changed = Signal(object)   # SyncStatus, delivered in the GUI thread

    def __init__(self, store, *, interval: float = 60.0, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.worker = SyncWorker(store, interval=interval, on_status=self.status_changed.emit)
        self._net = None

    def start(self) -> None:
        self.worker.start()
        self._watch_network()

    def stop(self) -> None:
        self.worker.stop()

    def sync_now(self) -> None:
        self.worker.sync_now()

    @property
    def status(self) -> SyncStatus:
        return self.worker.status

    def attach(self, main_window) -> None:
        """Show the status in the main window's status bar (``set_sync_state``)."""
        def show(status: SyncStatus) -> None:
            if not status.enrolled:
                main_window.set_sync_state(None)
                return
            main_window.set_sync_state(status.summary_zh(), ok=bool(status.online) or status.syncing)
        self.status_changed.connect(show)

    def _watch_network(self) -> None:
        try:
            from .qt import QNetworkInformation
        except ImportError:
            return
        try:
            if QNetworkInformation.instance() is None and not QNetworkInformation.loadDefaultBackend():
                return
            self._net = QNetworkInformation.instance()
            self._net.reachabilityChanged.connect(self._reachability)
        except Exception:  # no backend on this platform: the timer and backoff still work
            log.info("no network reachability backend; relying on retries")

    def _reachability(self, reachability) -> None:
        from .qt import QNetworkInformation

        online = reachability in (QNetworkInformation.Reachability.Online, QNetworkInformation.Reachability.Site)
        self.worker.network_changed(online)


def ask_token_if_needed(parent, store) -> bool:
    """On a machine without an OS keyring the token is asked at each start and kept in
    memory only. Returns True when a token is available (or not needed)."""
    from sync import client as sync_client
    from sync import credentials

    if not sync_client.is_enrolled(store) or credentials.keyring_usable():
        return True
    if credentials.load_token(store.device_id):
        return True
    token, ok = QInputDialog.getText(
        parent, "设备令牌",
        "本机没有系统凭据库，无法保存设备令牌。\n请输入信息科提供的设备令牌（仅在本次运行中使用）：",
        QLineEdit.Password)
    if ok and token.strip():
        credentials.remember_for_session(store.device_id, token.strip())
        return True
    return False
