"""A database host that hangs: it accepts TCP connections and never answers a byte."""

import socket
import threading
from types import TracebackType


class StalledDatabase:
    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        port = self._listener.getsockname()[1]
        return f"postgresql://nobody@127.0.0.1:{port}/stalled"

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


def closed_port_url() -> str:
    """A database that is simply down: nothing listens on the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://nobody@127.0.0.1:{port}/down"
