"""A newsroom's HTTP receiver on a local port (the external moderation hook's tests): records
every request and gives the answer it is told."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Answer:
    """What the receiver answers next. Without `content_length` the body runs until the
    connection closes (HTTP/1.0), so its size is known only by reading it."""

    status: int = 200
    body: bytes = b'{"action": "publish"}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_length: bool = True


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A newsroom's moderation endpoint: records every request, gives the answer it is told."""

    port: int = 0
    answer: Answer = field(default_factory=Answer)
    received: list[Received] = field(default_factory=list)

    def url(self, path: str = "/check") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answers(self, body: Any, **options: Any) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answer = Answer(body=raw, **options)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler still asleep after its test never holds the run up
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        receiver = self.server.receiver
        receiver.received.append(Received(self.path, dict(self.headers.items()), body))
        answer = receiver.answer
        time.sleep(answer.delay)
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.content_length:
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:  # the caller gave up (its deadline, or too much body) and hung up
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests say what they expect."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
