"""A real HTTP server on 127.0.0.1 for crawl tests: files, scripted replies, and a log.

Serves a directory (`?page=N` → `page-N.html`, as the demo site does), answers scripted
paths with a sequence of replies (the last repeats: e.g. 429 with Retry-After, then 200),
can hang until stopped, and records every request with its start and end time so a test
can check on the server side that requests to one site never overlapped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from crawler.demo.server import resolve_file


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False
    content_type: str = "text/html; charset=utf-8"
    chunked: bool = False
    """Sent in 64 KB chunks without Content-Length, as a streaming server does."""


@dataclass
class Hit:
    """One request as the server saw it; header names in lower case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    started: float
    ended: float = 0.0


class LocalServer:
    """Start with `with LocalServer(root) as server:`; URLs from `server.url(path)`."""

    def __init__(self, root: Path | None = None, delay: float = 0.0) -> None:
        self.root = root
        self.delay = delay
        self.routes: dict[str, list[Reply]] = {}
        self.handlers: dict[str, Callable[[Hit], Reply]] = {}
        self.hits: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.released = threading.Event()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"owner": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def script(self, path: str, *replies: Reply) -> None:
        """Answer `path` (with or without query) with these replies in turn."""
        self.routes[path] = list(replies)

    def handle(self, path: str, func: Callable[[Hit], Reply]) -> None:
        """Answer `path` (any query) by calling `func` with the request: a fake API."""
        self.handlers[path] = func

    def robots(self, text: str) -> None:
        self.script("/robots.txt", Reply(body=text, content_type="text/plain"))

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def reply_for(self, hit: Hit) -> Reply | None:
        target = hit.path
        handler = self.handlers.get(urlsplit(target).path)
        if handler is not None:
            return handler(hit)
        with self._lock:
            replies = self.routes.get(target) or self.routes.get(urlsplit(target).path)
            if not replies:
                return None
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def enter(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self, hit: Hit) -> None:
        with self._lock:
            self.in_flight -= 1
            hit.ended = time.monotonic()


class _Handler(BaseHTTPRequestHandler):
    owner: LocalServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length))

    def do_PUT(self) -> None:
        self.do_POST()

    def _handle(self, body: bytes) -> None:
        owner = self.owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        hit = Hit(self.command, self.path, headers, body, time.monotonic())
        owner.enter(hit)
        try:
            self._respond(owner.reply_for(hit) or self._file_reply())
        finally:
            owner.leave(hit)

    def _file_reply(self) -> Reply:
        root = self.owner.root
        path = resolve_file(root, self.path) if root is not None else None
        if path is None:
            return Reply(status=404, body="not found", content_type="text/plain")
        kind = "application/json" if path.suffix == ".json" else "text/html; charset=utf-8"
        return Reply(body=path.read_bytes(), content_type=kind)

    def _respond(self, reply: Reply) -> None:
        if reply.hang:
            self.owner.released.wait(timeout=120)
            return
        time.sleep(reply.delay or self.owner.delay)
        body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.chunked:
            self._write_chunked(body)
        else:
            self.wfile.write(body)

    def _write_chunked(self, body: bytes) -> None:
        try:
            for start in range(0, len(body), 65536):
                chunk = body[start : start + 65536]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True  # the client stopped reading: as intended

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""
