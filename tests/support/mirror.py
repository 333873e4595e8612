"""A download mirror on 127.0.0.1 for `commentmod scorer fetch`: files from memory, Range
requests answered as servers do (206, 416), and on demand a connection cut midway or Range
ignored. Also the Hugging Face files of a tiny Detoxify model, laid out as the hub serves them."""

import json
import re
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from moderation.scoring.fetch import HUB_FILES


class Mirror:
    """Serves `files` (path -> bytes) and records each request's path and Range header."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.cuts: Counter[str] = Counter()
        """Responses to cut after half their body, per path."""
        self.ignore_range = False
        self._server = _Server(self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def asked_for(self, path: str) -> list[str | None]:
        """The Range header of each request for `path`, in order (None: the whole file)."""
        return [wanted for asked, wanted in self.requests if asked == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mirror: Mirror) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mirror = mirror


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        mirror = self.server.mirror
        path = urlsplit(self.path).path
        wanted = self.headers.get("Range")
        mirror.requests.append((path, wanted))
        body = mirror.files.get(path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        if wanted and not mirror.ignore_range:
            found = re.fullmatch(r"bytes=(\d+)-", wanted)
            assert found, wanted
            start = int(found.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        rest = body[start:]
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        if mirror.cuts[path] > 0:
            mirror.cuts[path] -= 1
            self.wfile.write(rest[: len(rest) // 2])
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(rest)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read `Mirror.requests`."""


def hub_files(config_dir: Path, model: str = "bert-base-uncased") -> dict[str, bytes]:
    """The files `scorer fetch` takes from the hub for `model`, at the mirror's paths, from a
    tiny model's config folder; config.json without labels, as a base model's has none."""
    config = json.loads((config_dir / "config.json").read_text())
    for key in ("id2label", "label2id", "num_labels"):
        config.pop(key, None)
    files = {name: (config_dir / name).read_bytes() for name in HUB_FILES[model]}
    files["config.json"] = json.dumps(config).encode()
    return {f"/huggingface/{model}/{name}": body for name, body in files.items()}


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
