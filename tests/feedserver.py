"""A programmable HTTP server on 127.0.0.1 for tests that fetch feeds, with faults on demand.

    from feedserver import feed_server

    with feed_server() as server:
        server.route("/rss.xml", body=b"<rss>...</rss>", etag='"v1"')     # 304 on a matching
        server.route("/slow.xml", body=feed, drip=0.2)                    #   If-None-Match
        server.redirect("/old.xml", "/rss.xml", status=301)
        url = server.url("/rss.xml")
        ...
        server.requests_to("/rss.xml")[0].headers["user-agent"]

Each route answers with a status, headers and body, and can add the faults a feed poller must
survive: a delay before answering (`delay`), a body sent one byte at a time (`drip` seconds
apart), a connection reset after some of the body (`reset_after` bytes), a gzip-encoded body
(`gzip=True`), and validators (`etag`, `last_modified`) that turn a matching conditional GET
into 304. Unknown paths get 404. Every request is recorded with its lower-case headers.

The server runs in a daemon thread (ThreadingHTTPServer, port 0) and stops when the `with`
block ends, waking any handler that is still sleeping so no thread outlives the test for long.
"""

from __future__ import annotations

import email.utils
import gzip as gzip_module
import http.server
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Route:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/rss+xml; charset=utf-8"
    delay: float = 0.0  # seconds to wait before the status line
    drip: float | None = None  # seconds between single body bytes
    reset_after: int | None = None  # send this many body bytes, then reset the connection
    gzip: bool = False  # gzip the body and say so in Content-Encoding
    etag: str | None = None  # sent, and a matching If-None-Match gets 304
    last_modified: str | None = None  # sent, and If-Modified-Since at or after it gets 304
    drop_kept: bool = False  # asked over a kept connection (one answered before): closed unanswered


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names


class FeedServer:
    """The running server: program it with `route`/`redirect`, read `requests` afterwards."""

    def __init__(self, tls_cert: Path | None = None) -> None:
        self.routes: dict[str, Route | Callable[[RecordedRequest], Route]] = {}
        self.requests: list[RecordedRequest] = []
        self.connections = 0  # accepted so far: requests over a kept-alive one add none
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self.scheme = "http"
        if tls_cert is not None:  # HTTPS, its handshake in each request's own thread
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_cert.with_name("server-key.pem"))
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False)
            self.scheme = "https"
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- programming
    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = "application/rss+xml; charset=utf-8",
        delay: float = 0.0,
        drip: float | None = None,
        reset_after: int | None = None,
        gzip: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
        drop_kept: bool = False,
    ) -> Route:
        """Answer requests for `path` (query ignored); see Route for what each option does.
        A later call for the same path replaces the route."""
        route = Route(
            status=status,
            body=body.encode("utf-8") if isinstance(body, str) else body,
            headers=dict(headers or {}),
            content_type=content_type,
            delay=delay,
            drip=drip,
            reset_after=reset_after,
            gzip=gzip,
            etag=etag,
            last_modified=last_modified,
            drop_kept=drop_kept,
        )
        with self._lock:
            self.routes[path] = route
        return route

    def route_dynamic(self, path: str, make: Callable[[RecordedRequest], Route]) -> None:
        """Answer requests for `path` with whatever Route `make(request)` returns."""
        with self._lock:
            self.routes[path] = make

    def redirect(self, path: str, to: str, status: int = 301) -> Route:
        """Redirect `path` to `to` (a path on this server, or any absolute URL)."""
        location = to if "://" in to or to.startswith("//") else self.url(to)
        return self.route(path, status=status, headers={"Location": location}, content_type=None)

    # -- reading what happened
    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    # -- lifecycle
    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _record(self, request: RecordedRequest) -> Route | None:
        with self._lock:
            self.requests.append(request)
            found = self.routes.get(urlsplit(request.path).path)
        return found(request) if callable(found) else found


@contextmanager
def feed_server(tls_cert: Path | None = None) -> Iterator[FeedServer]:
    """A started FeedServer for the duration of the block; with `tls_cert` (a certificate in
    tests/data/tls/, beside its key), an HTTPS one."""
    server = FeedServer(tls_cert).start()
    try:
        yield server
    finally:
        server.stop()


def http_date(timestamp: float) -> str:
    """An HTTP date (IMF-fixdate) for Last-Modified, If-Modified-Since and Retry-After."""
    return email.utils.formatdate(timestamp, usegmt=True)


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # a poll connects to every feed at once: none must be dropped

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up mid-response is an expected event here, not a failure


def _make_handler(server: FeedServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def setup(self) -> None:
            super().setup()
            self.answered = 0  # requests answered over this connection
            with server._lock:
                server.connections += 1

        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = RecordedRequest(self.command, self.path, headers)
            route = server._record(request)
            if route is None:
                route = Route(status=404, body=b"not found", content_type="text/plain")
            if route.drop_kept and self.answered:  # as a server whose keep-alive ran out
                self.close_connection = True
                return
            self.answered += 1
            if route.delay and server.stopping.wait(route.delay):
                return
            try:
                self._answer(route, headers)
            except OSError:
                self.close_connection = True  # the client went away: nothing to do

        do_HEAD = do_GET

        def _answer(self, route: Route, request_headers: dict[str, str]) -> None:
            body = gzip_module.compress(route.body) if route.gzip else route.body
            status = 304 if _not_modified(route, request_headers) else route.status
            self.send_response(status)
            if route.content_type and status != 304:
                self.send_header("Content-Type", route.content_type)
            if route.gzip:
                self.send_header("Content-Encoding", "gzip")
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if status == 304 or self.command == "HEAD":
                self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
                self.end_headers()
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if route.reset_after is not None:
                self.wfile.write(body[: route.reset_after])
                self._reset()
            elif route.drip:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    if server.stopping.wait(route.drip):
                        self.close_connection = True
                        return
            else:
                self.wfile.write(body)

        def _reset(self) -> None:
            """Abort the connection with a TCP reset (SO_LINGER 0), as a crashed server would."""
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

    return Handler


def _not_modified(route: Route, request_headers: dict[str, str]) -> bool:
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return route.etag is not None and (route.etag in tags or "*" in tags)
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since and route.last_modified:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
            changed = email.utils.parsedate_to_datetime(route.last_modified)
        except (TypeError, ValueError):
            return False
        return since >= changed
    return False
