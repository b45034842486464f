"""A small static HTTP server on 127.0.0.1 for the demo's sample feeds.

It answers conditional requests (ETag, 304) like a polite publisher, so a second demo
poll into the same database shows the not-modified path too.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONTENT_TYPES = {".xml": "application/xml; charset=utf-8",
                 ".json": "application/feed+json; charset=utf-8"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A poll opens a connection per feed at once; the default backlog of 5 drops the rest
    # while this thread waits for the interpreter, and a dropped connect is retried a second
    # later.
    request_queue_size = 128


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve the files of `folder` (not below it); yields the base URL, ending in '/'."""
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    modified = formatdate(usegmt=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server naming)
            name = self.path.split("?", 1)[0].lstrip("/")
            body = files.get(name)
            if body is None:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            content_type = CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
