"""The sync worker's status reaches the GUI thread as a signal and lands in the status bar."""
from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.gui


class StatusBar:
    def __init__(self):
        self.calls = []
        self.threads = set()

    def set_sync_state(self, text, *, ok=True):
        self.calls.append((text, ok))
        self.threads.add(threading.current_thread().name)


def test_status_arrives_in_the_gui_thread(qtbot, store):
    from ui.sync_status import SyncBridge

    bar = StatusBar()
    bridge = SyncBridge(store, interval=3600)
    bridge.attach(bar)
    seen = []
    bridge.status_changed.connect(lambda s: seen.append(threading.current_thread().name))
    bridge.start()
    try:
        qtbot.waitUntil(lambda: bool(bar.calls), timeout=20000)
    finally:
        bridge.stop()
    assert bar.calls[-1] == (None, True)          # standalone: the bar says 单机
    assert seen and set(seen) == {threading.main_thread().name}
    assert bar.threads == {threading.main_thread().name}
    assert bridge.status.enrolled is False
