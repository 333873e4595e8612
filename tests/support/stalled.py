"""Databases that hang: a host that accepts connections and never answers a byte, and a proxy
that stops passing bytes in the middle of a conversation."""

import socket
import threading
import time
from abc import ABC, abstractmethod
from contextlib import suppress
from types import TracebackType
from typing import Self


class _LocalServer(ABC):
    """A TCP server on a free local port, accepting in a thread; each accepted connection goes
    to `_serve`, and every socket it opened closes on exit."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed by __exit__
                return
            self._open.append(connection)
            self._serve(connection)

    @abstractmethod
    def _serve(self, connection: socket.socket) -> None: ...

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._listener.close()
        for connection in self._open:
            # shutdown, not only close: a thread blocked reading the socket keeps it open
            # (and the database's side of a proxied connection, with its locks) until woken.
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


class StalledDatabase(_LocalServer):
    """A database host that hangs: it accepts TCP connections and never answers a byte."""

    @property
    def url(self) -> str:
        return f"postgresql://nobody@127.0.0.1:{self.port}/stalled"

    def _serve(self, connection: socket.socket) -> None:
        """Kept open, never read, never answered."""


class StallingProxy(_LocalServer):
    """A TCP proxy in front of a real database that can be told to stop passing bytes while
    keeping every connection open: a server that hangs in the middle of a conversation."""

    def __init__(self, upstream_port: int) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.stalled = threading.Event()

    def _serve(self, connection: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        self._open.append(upstream)
        for source, target in ((connection, upstream), (upstream, connection)):
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

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stalled.clear()
        super().__exit__(kind, error, traceback)


def unused_port() -> int:
    """A port nothing listens on: a server that is simply down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def closed_port_url() -> str:
    return f"postgresql://nobody@127.0.0.1:{unused_port()}/down"
