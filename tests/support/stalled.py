"""Databases that hang: a host that accepts connections and never answers a byte, and a proxy
that stops passing bytes in the middle of a conversation."""

import socket
import threading
import time
from types import TracebackType


class StalledDatabase:
    """A database host that hangs: it accepts TCP connections and never answers a byte."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    @property
    def url(self) -> str:
        return f"postgresql://nobody@127.0.0.1:{self.port}/stalled"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed by __exit__
                return
            self._held.append(connection)  # kept open, never read, never answered

    def __enter__(self) -> "StalledDatabase":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._listener.close()
        for connection in self._held:
            connection.close()


def unused_port() -> int:
    """A port nothing listens on: a server that is simply down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def closed_port_url() -> str:
    return f"postgresql://nobody@127.0.0.1:{unused_port()}/down"


class StallingProxy:
    """A TCP proxy in front of a real database that can be told to stop passing bytes while
    keeping every connection open: a server that hangs in the middle of a conversation."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.stalled = threading.Event()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            while self.stalled.is_set():  # hold the bytes, and the connection, for ever
                time.sleep(0.05)
            try:
                target.sendall(data)
            except OSError:
                return

    def __enter__(self) -> "StallingProxy":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stalled.clear()
        self._listener.close()
        for connection in self._open:
            connection.close()
