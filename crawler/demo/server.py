"""Serve a directory on 127.0.0.1 in a background thread; `?page=N` picks `page-N.html`."""

from __future__ import annotations

import mimetypes
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


def resolve_file(root: Path, target: str) -> Path | None:
    """The file a request path means: a directory's index.html, or page-N.html for ?page=N."""
    parts = urlsplit(target)
    path = (root / unquote(parts.path).lstrip("/")).resolve()
    if not path.is_relative_to(root.resolve()):
        return None
    if path.is_dir():
        page = parse_qs(parts.query).get("page", ["1"])[0]
        path = path / ("index.html" if page in ("", "1") else f"page-{page}.html")
    return path if path.is_file() else None


class _DirectoryHandler(BaseHTTPRequestHandler):
    root: Path

    def do_GET(self) -> None:
        path = resolve_file(self.root, self.path)
        if path is None:
            self.send_error(404)
            return
        body = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the crawler logs what matters."""


@dataclass
class DemoServer:
    base_url: str
    server: ThreadingHTTPServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_directory(directory: Path, host: str = "127.0.0.1") -> DemoServer:
    """Start serving `directory` on a free port of `host` (a loopback address); call
    `.stop()` when done."""
    handler = type("Handler", (_DirectoryHandler,), {"root": Path(directory)})
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-http", daemon=True)
    thread.start()
    bound, port = server.server_address[:2]
    return DemoServer(f"http://{bound!s}:{port}", server, thread)
