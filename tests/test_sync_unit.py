"""Sync client pieces that need no county server: credentials in a real keyring backend,
the no-keyring path, URL and TLS rules, log scrubbing, backoff, the worker's contract."""
from __future__ import annotations

import http.server
import json
import logging
import random
import ssl
import subprocess
import threading
import time

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import pytest

from models.errors import UserError, ValidationError
from sync import client as sc
from sync import credentials, redact
from sync.worker import Backoff, SyncStatus, SyncWorker
from sync_harness import memory_keyring  # noqa: F401  (fixture)

TOKEN = "dev_Zq9xVt3kLmN8pQr2sTu4vWx6yZa1bCd3eFg5hIj7kL"


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


# -- credentials -------------------------------------------------------------------------
def test_token_goes_to_the_keyring_and_back(memory_keyring):
    credentials.save_token("dev-1", TOKEN)
    assert memory_keyring.data == {(credentials.SERVICE, "device:dev-1"): TOKEN}
    assert credentials.load_token("dev-1") == TOKEN
    credentials.forget_token("dev-1")
    assert credentials.load_token("dev-1") is None
    with pytest.raises(UserError) as info:
        credentials.require_token("dev-1")
    assert "重新登记" in info.value.zh


def test_no_keyring_is_said_plainly_and_session_token_stays_in_memory(no_keyring):
    assert not credentials.keyring_usable()
    with pytest.raises(credentials.NoKeyringError) as info:
        credentials.save_token("dev-2", TOKEN)
    assert "凭据库" in info.value.zh
    with pytest.raises(credentials.NoKeyringError):
        credentials.require_token("dev-2")
    credentials.remember_for_session("dev-2", TOKEN)  # the UI asked the clerk at start
    try:
        assert credentials.require_token("dev-2") == TOKEN
    finally:
        credentials.forget_token("dev-2")


def test_a_chainer_with_no_backend_is_no_keyring():
    previous = keyring.get_keyring()
    class BareChainer(keyring.backends.chainer.ChainerBackend):
        backends = []  # what a bare machine's chainer holds

    keyring.set_keyring(BareChainer())
    try:
        assert not credentials.keyring_usable()
    finally:
        keyring.set_keyring(previous)


def test_enroll_without_keyring_refuses_before_using_up_the_code(store, no_keyring):
    # the port is closed: reaching the network at all would be a different error
    with pytest.raises(credentials.NoKeyringError):
        sc.enroll(store, "http://127.0.0.1:9", "ABCD-EFGH")
    assert store.backend.get_setting("mode") == "standalone"


def test_standalone_store_syncs_nothing_and_says_why(store, memory_keyring):
    result = sc.sync_once(store)
    assert not result.ok and result.error_code == "not_enrolled"
    assert "单机" in result.errors[0]


# -- URLs and TLS -----------------------------------------------------------------------
@pytest.mark.parametrize("url, expected", [
    ("https://zwfw.example.gov.cn/", "https://zwfw.example.gov.cn"),
    ("https://zwfw.example.gov.cn:8443/api/v1", "https://zwfw.example.gov.cn:8443"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("http://localhost:8000/", "http://localhost:8000"),
])
def test_server_urls(url, expected):
    assert sc.normalise_server_url(url) == expected


@pytest.mark.parametrize("url", ["http://zwfw.example.gov.cn", "ftp://x", "zwfw.example.gov.cn", "",
                                 "https://x/?a=1"])
def test_plain_http_to_a_real_host_and_nonsense_are_refused(url):
    with pytest.raises(ValidationError):
        sc.normalise_server_url(url)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """A real HTTPS server on loopback with a county CA that the system does not trust."""
    d = tmp_path_factory.mktemp("tls")
    key, cert = d / "key.pem", d / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=county-ca-test",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-addext", "basicConstraints=critical,CA:TRUE"], check=True, capture_output=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"county": {}, "holidays": [], "version": 1}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", cert
    httpd.shutdown()


def test_tls_is_verified_and_a_county_ca_file_is_honoured(tls_server):
    url, cert = tls_server
    with sc.SyncClient(url, token=TOKEN) as c:
        with pytest.raises(sc.Unreachable) as info:
            c.config(None)
        assert "证书" in info.value.zh
    with sc.SyncClient(url, token=TOKEN, ca_file=str(cert)) as c:
        body, etag = c.config(None)
        assert etag == '"v1"' and body["version"] == 1


def test_a_missing_ca_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationError) as info:
        sc.SyncClient("https://zwfw.example.gov.cn", ca_file=str(tmp_path / "nope.pem"))
    assert "证书文件" in info.value.zh


def test_unreachable_server_is_an_answer_in_words_not_an_exception():
    with sc.SyncClient("http://127.0.0.1:9", token=TOKEN, connect_timeout=2) as c:
        with pytest.raises(sc.Unreachable) as info:
            c.pull(0, 10)
    assert "无法连接" in info.value.zh


# -- logs ---------------------------------------------------------------------------------
def test_logs_never_carry_tokens_or_phone_numbers(caplog):
    redact.register_secret(TOKEN)
    log = redact.get_logger("sync.test")
    with caplog.at_level(logging.INFO, logger="sync.test"):
        log.info("token %s for 13812345678, landline 0736-7221234, header Bearer %s", TOKEN, "abcdefghijk")
        try:
            raise RuntimeError(f"boom {TOKEN} 13912345678")
        except RuntimeError:
            log.exception("failed")
    text = caplog.text
    assert TOKEN not in text and "13812345678" not in text and "7221234" not in text
    assert "13912345678" not in text and "abcdefghijk" not in text
    assert "***" in text


# -- backoff and the worker --------------------------------------------------------------------
def test_backoff_grows_with_jitter_and_is_capped():
    b = Backoff(base=1, cap=60, rng=random.Random(3))
    delays = [b.next_delay() for _ in range(12)]
    assert all(1 <= d <= 60 for d in delays)
    assert max(delays[6:]) > max(delays[:2])
    assert len(set(delays)) == len(delays)  # jitter: no two alike
    b.reset()
    assert b.next_delay() <= 1


def test_worker_in_standalone_mode_publishes_and_never_blocks(store):
    seen: list[SyncStatus] = []
    got = threading.Event()

    def on_status(s):
        seen.append(s)
        got.set()

    w = SyncWorker(store, interval=3600, on_status=on_status)
    t0 = time.perf_counter()
    w.start()
    w.sync_now()
    w.network_changed(True)
    returned = time.perf_counter() - t0
    assert got.wait(20)
    w.stop()
    assert returned < 1.0  # the calls only schedule
    assert seen and seen[-1].enrolled is False
    assert "单机" in seen[-1].summary_zh()


def test_worker_counts_local_work_waiting(store, shared_petitions):
    got = threading.Event()
    seen: list[SyncStatus] = []

    def on_status(s):
        seen.append(s)
        if s.events_waiting >= 2:
            got.set()

    w = SyncWorker(store, interval=3600, on_status=on_status, change_delay=0.05)
    w.start()
    try:
        store.register(dict(shared_petitions[0], clerk="李娜"))
        assert got.wait(20)
    finally:
        w.stop()
    assert seen[-1].events_waiting == 2  # case_registered + assigned


def test_a_request_made_during_a_round_gets_its_own_round(store, memory_keyring):
    """The worker's scheduling alone (the round itself is a stand-in that waits for us)."""
    store.backend.set_setting("mode", "enrolled")
    store.backend.set_setting(sc.S_SERVER, "http://127.0.0.1:9")
    entered, release = threading.Event(), threading.Event()
    calls = []

    def round_fn(s, **kw):
        calls.append(time.monotonic())
        entered.set()
        release.wait(20)
        return sc.SyncResult(ok=True, online=True)

    w = SyncWorker(store, interval=3600, round_fn=round_fn)
    w.start()
    try:
        assert entered.wait(20)           # the round on start is running
        entered.clear()
        w.sync_now()                      # the clerk presses "sync now" meanwhile
        release.set()
        assert entered.wait(20)           # a second round follows, not an hour later
    finally:
        release.set()
        w.stop()
    assert len(calls) >= 2


def test_the_status_bar_warns_before_the_device_token_expires(store):
    import datetime as dt

    from sync import client as sc
    from sync.worker import SyncStatus, token_days_left

    assert token_days_left(store) is None
    with store.backend.transaction():
        store.backend.set_setting(sc.S_TOKEN_EXPIRES, "2027-01-10T00:00:00+00:00")
    assert token_days_left(store, today=dt.date(2027, 1, 1)) == 9
    assert token_days_left(store, today=dt.date(2027, 1, 12)) == -2
    soon = SyncStatus(enrolled=True, online=True, token_days_left=9).summary_zh()
    assert "设备令牌 9 天后过期" in soon
    assert "过期" not in SyncStatus(enrolled=True, online=True, token_days_left=60).summary_zh()
    assert "已过期" in SyncStatus(enrolled=True, online=False, token_days_left=-2).summary_zh()
