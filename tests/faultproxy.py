"""A fault-injecting HTTP/1.1 proxy on loopback (asyncio, in a background thread).

It stands between the sync client and the real server and, request by request, lets a
policy decide what the network does to it: pass it, answer 500/503 without forwarding,
forward it and then lose the answer (the nastiest case: the server did the work, the
client never hears), cut the answer after N bytes, trickle it slowly, deliver it twice,
or keep a copy and deliver it again later (a reordered, duplicated delivery).

One request per client connection: the proxy forwards with ``Connection: close`` and
answers with ``Connection: close``, so request boundaries are simple to find.
"""
from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
from typing import Callable


@dataclasses.dataclass
class Fault:
    status: int | None = None            # answer this status, never forward
    drop_before: bool = False            # close the connection, never forward
    drop_after_bytes: int | None = None  # forward; deliver only this many bytes of the answer
    status_after_forward: int | None = None  # forward; the client gets this status instead
    delay: float = 0.0                   # before forwarding
    trickle: float = 0.0                 # seconds between 1 KiB pieces of the answer
    duplicate: bool = False              # forward twice; the client gets the second answer
    replay_later: bool = False           # keep a copy; deliver it again at a later request

    @property
    def kind(self) -> str:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v not in (None, False, 0, 0.0):
                return f.name
        return "pass"


@dataclasses.dataclass
class Seen:
    method: str
    path: str
    fault: str


Policy = Callable[[str, str], Fault]


def random_policy(rng: random.Random, rate: float = 0.35, *, slow: float = 0.002) -> Policy:
    """Each request meets a fault with probability ``rate``."""
    choices = [
        lambda: Fault(status=503), lambda: Fault(status=500), lambda: Fault(drop_before=True),
        lambda: Fault(drop_after_bytes=0), lambda: Fault(drop_after_bytes=rng.randint(1, 400)),
        lambda: Fault(status_after_forward=503), lambda: Fault(trickle=slow),
        lambda: Fault(duplicate=True), lambda: Fault(replay_later=True), lambda: Fault(delay=0.05),
    ]

    def policy(method: str, path: str) -> Fault:
        if rng.random() < rate:
            return rng.choice(choices)()
        return Fault()

    return policy


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, policy: Policy | None = None):
        self.upstream = (upstream_host, upstream_port)
        self.policy: Policy = policy or (lambda m, p: Fault())
        self.seen: list[Seen] = []
        self._replays: list[bytes] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.offline = False   # refuse every connection (the line is down)
        self.replayed = 0      # kept copies delivered so far
        self._rng = random.Random(7)

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> "FaultProxy":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._server.close()
            self._loop.run_until_complete(self._server.wait_closed())
            for _ in range(5):
                pending = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
                if not pending:
                    break
                for t in pending:
                    t.cancel()
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

        self._thread = threading.Thread(target=run, name="faultproxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def flush_replays(self) -> int:
        """Deliver every kept copy now (from the test's thread); returns how many."""
        fut = asyncio.run_coroutine_threadsafe(self._deliver_replays(all_of_them=True), self._loop)
        return fut.result(30)

    def kinds(self) -> set[str]:
        return {s.fault for s in self.seen}

    # -- the work -------------------------------------------------------------------------
    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[bytes, str, str] | None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
        headers = []
        length = 0
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            if name.strip().lower() in ("connection", "keep-alive"):
                continue
            headers.append(line)
        body = await reader.readexactly(length) if length else b""
        raw = (lines[0] + "\r\n" + "\r\n".join(headers + ["Connection: close"]) + "\r\n\r\n").encode("latin-1") + body
        return raw, method, path

    async def _forward(self, raw: bytes) -> bytes:
        r, w = await asyncio.open_connection(*self.upstream)
        try:
            w.write(raw)
            await w.drain()
            chunks = []
            while True:
                data = await r.read(65536)
                if not data:
                    break
                chunks.append(data)
            return b"".join(chunks)
        finally:
            w.close()

    async def _deliver_replays(self, all_of_them: bool = False) -> int:
        n = 0
        keep = []
        for raw in self._replays:
            if all_of_them or self._rng.random() < 0.5:
                try:
                    await self._forward(raw)
                    n += 1
                    self.replayed += 1
                except OSError:
                    keep.append(raw)
            else:
                keep.append(raw)
        self._replays = keep
        return n

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.offline:
                return
            req = await self._read_request(reader)
            if req is None:
                return
            raw, method, path = req
            fault = self.policy(method, path)
            self.seen.append(Seen(method, path.split("?")[0], fault.kind))
            if self._replays:
                await self._deliver_replays()
            if fault.drop_before:
                return
            if fault.status:
                body = b'{"detail":"injected fault"}'
                writer.write(f"HTTP/1.1 {fault.status} Injected\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
                await writer.drain()
                return
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.replay_later:
                self._replays.append(raw)
            try:
                answer = await self._forward(raw)
                if fault.duplicate:
                    answer = await self._forward(raw)
            except OSError:
                return  # upstream down: the client sees the connection close
            if fault.status_after_forward:
                body = b'{"detail":"injected fault after forwarding"}'
                writer.write(f"HTTP/1.1 {fault.status_after_forward} Injected\r\nContent-Length: {len(body)}\r\n"
                             f"Connection: close\r\n\r\n".encode() + body)
                await writer.drain()
                return
            if fault.drop_after_bytes is not None:
                answer = answer[: fault.drop_after_bytes]
            if fault.trickle:
                for i in range(0, len(answer), 1024):
                    writer.write(answer[i:i + 1024])
                    await writer.drain()
                    await asyncio.sleep(fault.trickle)
            else:
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
            except (ConnectionError, OSError):
                pass
