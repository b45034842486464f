"""Fetching feeds over HTTP: the only module that speaks HTTP (httpx, async).

One call, `fetch_feed`, turns a feed's remembered state into a `FetchResult`. It is polite
(conditional GET, our own User-Agent, at most two requests in flight per publisher host) and
defensive (a total deadline no slow server can stretch, a cap on the decoded body that also
stops gzip bombs, redirects followed by hand so that every hop is checked). Whatever goes wrong
comes back as data: `outcome` plus `error`, one short stable sentence such as "http 404",
"timeout after 20s" or "connection refused". Only cancellation propagates.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import ipaddress
import ssl
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from minewatch import USER_AGENT
from minewatch.byteorder import opens_like_a_document
from minewatch.errors import UsageError
from minewatch.models import FeedState, FetchResult
from minewatch.urls import WEB_SCHEMES, absolute_url, as_uri, is_web_address

MAX_REDIRECTS = 5
RETRY_AFTER_CAP = 24 * 3600.0
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_DNS_FAILURES = ("name or service", "nodename", "name resolution", "getaddrinfo")
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


# Connections kept open between requests, at most. A publisher that serves several of the
# poll's feeds then answers them over the connections its first answers opened, instead of a
# new connection (and TLS handshake) for each. Reuse is free only up to a point: httpcore polls
# every idle socket whenever a request starts or ends, and 32 idle ones cost a 500-feed poll
# 2 s of CPU. At the default concurrency the pool never holds more than 16 connections anyway.
IDLE_CONNECTIONS = 16
# How long one stays open unused. Servers close idle connections after a while of their own,
# 5 s for Apache's and Node's defaults: reusing one just as it closes loses the request (see
# _Fetch._send). Kept shorter than that, a connection serves the feeds that follow it in a busy
# poll and is gone before most servers would close it.
IDLE_SECONDS = 2.0


def make_client(concurrency: int) -> httpx.AsyncClient:
    """An HTTP client for one poll: our User-Agent, no automatic redirects, a pool sized to
    `concurrency`. Its own timeouts are off: `fetch_feed` enforces one total deadline instead.

    httpx reads proxies and certificates from the environment; one it cannot use (a SOCKS
    proxy without socksio, a proxy address that does not parse, a missing SSL_CERT_FILE) is
    a UsageError that names the variables, not an internal error."""
    try:
        return httpx.AsyncClient(
            # Only encodings that fetch can inflate under its size cap.
            headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT,
                     "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
            timeout=httpx.Timeout(None),
            limits=httpx.Limits(
                max_connections=max(1, concurrency),
                max_keepalive_connections=min(max(1, concurrency), IDLE_CONNECTIONS),
                keepalive_expiry=IDLE_SECONDS,
            ),
        )
    except (ImportError, ValueError, OSError, httpx.InvalidURL) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, OSError) and exc.strerror:
            detail = exc.strerror
        raise UsageError(
            f"cannot set up HTTP from the environment: {detail} (check {_NETWORK_VARIABLES})"
        ) from None


_NETWORK_VARIABLES = "HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, SSL_CERT_FILE and SSL_CERT_DIR"


def body_hash(body: bytes) -> str:
    """The sha256 of a body: an unchanged 200 counts as not modified."""
    return hashlib.sha256(body).hexdigest()


class HostLimiter:
    """At most `per_host` requests in flight to one host, so a poll never hammers a publisher.

    Loopback hosts (127.0.0.0/8, ::1, localhost) are exempt: politeness is owed to publishers,
    and tests and benchmarks serve many feeds from 127.0.0.1.
    """

    def __init__(self, per_host: int = 2):
        self.per_host = per_host
        self._slots: dict[str, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the host's slots for the duration of the block."""
        host = (urlsplit(url).hostname or "").lower()
        if _is_loopback(host):
            yield
            return
        semaphore = self._slots.get(host)
        if semaphore is None:
            semaphore = self._slots[host] = asyncio.Semaphore(self.per_host)
        async with semaphore:
            yield


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def fetch_feed(
    client: httpx.AsyncClient,
    state: FeedState,
    limiter: HostLimiter,
    *,
    timeout: float = 20.0,
    max_bytes: int = 10_000_000,
) -> FetchResult:
    """Fetch one feed within `timeout` seconds in total (connect, redirects and body).

    Never raises except for cancellation: every failure is a FetchResult with outcome "failed"
    (or "gone" for 410) and a short error sentence.
    """
    refused = _address_error(state.url, "invalid url")
    if refused:
        return _failed(state.url, refused)
    fetch = _Fetch(client, state, limiter, timeout, max_bytes)
    try:
        # The deadline is set once the first host slot is ours: waiting in the queue for a busy
        # publisher does not count against the feed.
        async with asyncio.timeout(None) as deadline:
            return await fetch.run(deadline)
    except TimeoutError:
        return fetch.failure(f"timeout after {timeout:g}s")
    except Exception as exc:  # noqa: BLE001 - one feed's failure, whatever it is, stays its own
        return fetch.failure(_describe(exc))


class _Fetch:
    """One fetch in progress: follows the redirect chain by hand, remembering where it went."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        state: FeedState,
        limiter: HostLimiter,
        timeout: float,
        max_bytes: int,
    ):
        self.client = client
        self.state = state
        self.limiter = limiter
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.current = state.url
        self.moved_to: str | None = None
        self.status: int | None = None

    def failure(
        self, error: str, outcome: str = "failed", retry_after: float | None = None
    ) -> FetchResult:
        return FetchResult(
            url=self.state.url,
            outcome=outcome,
            status=self.status,
            final_url=self.current,
            moved_to=self.moved_to,
            error=error,
            retry_after=retry_after,
        )

    def _conditional_headers(self) -> dict[str, str]:
        # A validator that cannot travel in a header (non-ASCII, a line break) is not sent.
        if _header_safe(self.state.etag):
            return {"If-None-Match": self.state.etag}  # type: ignore[dict-item]
        if _header_safe(self.state.last_modified):
            return {"If-Modified-Since": self.state.last_modified}  # type: ignore[dict-item]
        return {}

    async def run(self, deadline: asyncio.Timeout) -> FetchResult:
        visited = {_without_fragment(self.current)}
        still_permanent = True
        for _hop in range(MAX_REDIRECTS + 1):
            async with self.limiter.slot(self.current):
                if deadline.when() is None:
                    deadline.reschedule(asyncio.get_running_loop().time() + self.timeout)
                request = self.client.build_request(
                    "GET", self.current, headers=self._conditional_headers()
                )
                try:
                    response = await self._send(request)
                except httpx.InvalidURL:  # httpx builds the next hop from Location and fails
                    return self.failure(_BAD_LOCATION)  # ("javascript:x"); the request was fine
                try:
                    self.status = response.status_code
                    if response.status_code not in _REDIRECT_STATUSES:
                        return await self._finish(response)
                    location = response.headers.get("location")
                finally:
                    await response.aclose()
            if not location:
                return self.failure(f"http {self.status} without location")
            try:
                target = _without_fragment(urljoin(self.current, as_uri(location)))
            except ValueError:  # "http://[::1": no address can be made of it
                return self.failure(_BAD_LOCATION)
            refused = _address_error(target, _BAD_LOCATION)
            if refused:
                return self.failure(refused)
            if target in visited:
                return self.failure("redirect loop")
            visited.add(target)
            if still_permanent and self.status in _PERMANENT_REDIRECTS:
                self.moved_to = target
            else:
                still_permanent = False
            self.current = target
        return self.failure("too many redirects")

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """The answer's status and headers. A GET that went over a connection kept from an
        earlier answer and got no answer at all (the connection reset, or closed before the
        first byte) is sent once more: the server closed that connection just as it was
        reused, at the end of its keep-alive time, and a GET may be repeated (RFC 9110,
        9.2.2). Over a connection opened for it, the same failure is the server's answer."""
        opened = False

        async def watch(event: str, info: dict[str, Any]) -> None:  # httpcore's trace hook
            nonlocal opened
            opened = opened or ".connect_tcp." in event

        request.extensions["trace"] = watch
        try:
            return await self.client.send(request, stream=True)
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
            answered = isinstance(exc, httpx.RemoteProtocolError) and (
                "without sending a response" not in str(exc))
            if opened or answered:
                raise
            return await self.client.send(request, stream=True)

    async def _finish(self, response: httpx.Response) -> FetchResult:
        status = response.status_code
        headers = _lower_headers(response)
        validators = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
        if status == 304:
            if not self._conditional_headers():  # nothing was asked about: no copy to keep
                return self.failure("http 304 to an unconditional request")
            return FetchResult(
                url=self.state.url,
                outcome="not_modified",
                status=status,
                headers=headers,
                final_url=self.current,
                moved_to=self.moved_to,
                **validators,
            )
        if status == 410:
            return self.failure("http 410 gone", outcome="gone")
        if status in (429, 503):
            return self.failure(f"http {status}", retry_after=_retry_after(headers))
        if not 200 <= status < 300:
            return self.failure(f"http {status}")
        body = await self._read_capped(response, headers)
        if body is None:
            return self.failure(f"too large: over {_size(self.max_bytes)}")
        # Where the body came from, so parse can resolve relative links against it.
        # (A malformed or non-web Content-Location costs the feed nothing: its address stands.)
        headers["content-location"] = (
            absolute_url(headers.get("content-location"), self.current) or self.current)
        return FetchResult(
            url=self.state.url,
            outcome="ok",
            status=status,
            body=body,
            headers=headers,
            final_url=self.current,
            moved_to=self.moved_to,
            **validators,
        )

    async def _read_capped(self, response: httpx.Response, headers: dict[str, str]) -> bytes | None:
        """The decoded body, or None as soon as it grows past max_bytes.

        gzip and deflate are inflated here, never more than the room left under the cap at a
        time, so a gzip bomb stops at the cap without ever being expanded in memory. A body
        that opens plainly as XML or JSON all the same was mislabelled and is read as it is,
        whatever encoding it names; with another encoding (we never ask for one), any other
        body fails.
        """
        declared = headers.get("content-length", "")
        if declared.isdigit() and "content-encoding" not in headers:
            if int(declared) > self.max_bytes:
                return None
        declared_encodings = headers.get("content-encoding", "").lower().split(",")
        encodings = [part.strip() for part in declared_encodings]
        applied = [encoding for encoding in encodings if encoding in _INFLATABLE]
        unknown = [encoding for encoding in encodings if encoding not in _READABLE]
        inflater = _Inflaters(applied) if applied else None
        chunks: list[bytes] = []
        total = 0
        # Never httpx's own decoders: with brotli or zstandard installed, one small chunk of
        # an encoding we never asked for could expand past any cap before it was counted.
        async for chunk in response.aiter_raw():
            if not chunks and inflater is None and chunk.startswith(_GZIP_MAGIC):
                inflater = _Inflaters(["gzip"])  # a feed.xml.gz served without Content-Encoding
            elif not chunks and inflater is not None and opens_like_a_document(chunk):
                inflater = None  # labelled compressed, sent plain: no gzip or zlib stream opens so
            pieces = inflater.inflate(chunk, self.max_bytes - total) if inflater else [chunk]
            for piece in pieces:
                total += len(piece)
                if total > self.max_bytes:
                    return None
                chunks.append(piece)
        if inflater:
            inflater.check_complete()
        body = b"".join(chunks)
        if unknown and body and not opens_like_a_document(body):
            # named as sent, unless what was sent is no printable name (a stray escape sequence)
            named = [name for name in unknown if _header_safe(name) and len(name) <= 40]
            raise httpx.DecodingError("unsupported content encoding"
                                      + (f": {', '.join(named)}" if named else ""))
        return body


_INFLATABLE = frozenset({"gzip", "x-gzip", "deflate"})
# Read as they come; any other encoding is taken as a mislabel when the body is plainly XML
# or JSON, and is refused otherwise.
_READABLE = _INFLATABLE | {"identity", ""}
_GZIP_MAGIC = b"\x1f\x8b"  # no feed, in any encoding, begins with these two bytes


class _Inflater:
    """zlib decompression that never produces more than it is allowed to at a time."""

    def __init__(self, encoding: str):
        self.deflate = encoding == "deflate"
        # gzip: a gzip header (wbits + 16); deflate: a zlib header, or raw data if that fails.
        self.wbits = zlib.MAX_WBITS if self.deflate else zlib.MAX_WBITS | 16
        self.engine = zlib.decompressobj(self.wbits)
        self.started = False

    def inflate(self, data: bytes, room: int) -> list[bytes]:
        """The output for `data`, stopping once it exceeds `room` bytes (the caller gives up)."""
        out: list[bytes] = []
        produced = 0
        while data and produced <= room:
            try:
                piece = self.engine.decompress(data, room - produced + 1)
            except zlib.error as exc:
                if self.deflate and not self.started:  # a raw deflate stream, with no header
                    self.engine, self.wbits = zlib.decompressobj(-zlib.MAX_WBITS), -zlib.MAX_WBITS
                    self.started = True
                    continue
                raise httpx.DecodingError(f"invalid compressed body: {exc}") from exc
            self.started = True
            out.append(piece)
            produced += len(piece)
            if self.engine.unconsumed_tail:
                data = self.engine.unconsumed_tail
            elif self.engine.eof and self.engine.unused_data.startswith(_GZIP_MAGIC):
                data = self.engine.unused_data  # another gzip member follows
                self.engine = zlib.decompressobj(self.wbits)
            else:  # the end, or bytes after it (a newline, padding) that mean nothing
                data = b""
        return out

    def check_complete(self) -> None:
        """A stream that stopped before its end marker was cut short (a proxy or a server
        that died mid-body, yet closed the response in order): reading the part that came as
        the whole would save the validators of a body never seen, and lose the rest."""
        if self.started and not self.engine.eof:
            raise httpx.DecodingError("compressed body cut short")


class _Inflaters:
    """The encodings of a response undone in turn, the last applied first ("gzip, gzip")."""

    def __init__(self, encodings: list[str]):
        self.stages = [_Inflater(encoding) for encoding in reversed(encodings)]

    def inflate(self, data: bytes, room: int) -> list[bytes]:
        pieces = [data]
        for stage in self.stages:
            pieces = [out for piece in pieces for out in stage.inflate(piece, room)]
        return pieces

    def check_complete(self) -> None:
        for stage in self.stages:
            stage.check_complete()


def _failed(url: str, error: str) -> FetchResult:
    return FetchResult(url=url, outcome="failed", error=error, final_url=url)


def _address_error(url: str, invalid: str) -> str | None:
    """Why `url` is not to be fetched (another scheme than http and https, or `invalid` for no
    host or a port out of range), or None."""
    if is_web_address(url):
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # an unclosed IPv6 bracket
        return invalid
    return invalid if scheme in WEB_SCHEMES else f"unsupported scheme: {scheme or 'none'}"


def _header_safe(value: str | None) -> bool:
    return bool(value) and value.isascii() and value.isprintable()  # type: ignore[union-attr]


def _without_fragment(url: str) -> str:
    return url.partition("#")[0]


def _lower_headers(response: httpx.Response) -> dict[str, str]:
    # httpx joins repeated headers with commas and gives lower-case names.
    return {name.lower(): value for name, value in response.headers.items()}


def _retry_after(headers: dict[str, str]) -> float | None:
    """Seconds to wait from a Retry-After of delta-seconds or an HTTP date, capped at 24 h."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    if n >= 1_000:
        return f"{n / 1_000:g} kB"
    return f"{n} bytes"


_BAD_LOCATION = "redirect to an invalid address"


def _describe(exc: BaseException) -> str:
    """A short stable sentence for a transport failure."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]  # a task group's wrapping of the one error inside
    causes = _causes(exc)
    text = " ".join(str(e).lower() for e in causes)
    if isinstance(exc, httpx.ConnectError):
        if any(isinstance(e, ConnectionRefusedError) for e in causes) or "refused" in text:
            return "connection refused"
        if any(s in text for s in _DNS_FAILURES):
            return "dns lookup failed"
        if any(isinstance(e, ssl.SSLError) for e in causes) or "certificate" in text:
            return _tls_problem(causes)
        if "unreachable" in text:
            return "network unreachable"
        return "connection failed"
    if isinstance(exc, httpx.DecodingError):
        message = str(exc)
        if message.startswith(("compressed body cut short", "unsupported content encoding")):
            return message
        return "invalid compressed body"
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return "connection reset"
    if isinstance(exc, ConnectionError):
        return "connection reset"
    if isinstance(exc, httpx.RemoteProtocolError):
        if "location header" in text:  # httpx reads the next hop's address before we do
            return _BAD_LOCATION
        if "without sending a response" in text:
            return "connection closed before an answer"
        if "peer closed" in text or "incomplete" in text:  # fewer bytes than Content-Length
            return "connection closed mid-body"
        if "disconnected" in text:
            return "connection reset"
        return "invalid http response"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported scheme"
    if isinstance(exc, httpx.InvalidURL):
        return "invalid url"
    if isinstance(exc, ssl.SSLError):
        return _tls_problem(causes)
    if isinstance(exc, OSError):
        return "connection failed"
    if isinstance(exc, ValueError):
        return "invalid request"
    return f"fetch failed: {type(exc).__name__}"


# OpenSSL's X509_V_ERR_* codes, as the sentence that tells the user whose problem it is
_CERTIFICATE_PROBLEMS = {
    2: "tls certificate not trusted",  # the issuer's certificate is not to be had
    9: "tls certificate not yet valid",
    10: "tls certificate expired",
    18: "tls certificate not trusted",  # self-signed
    19: "tls certificate not trusted",  # a self-signed certificate in the chain
    20: "tls certificate not trusted",  # no trusted issuer here
    21: "tls certificate not trusted",  # the first certificate cannot be verified
    23: "tls certificate revoked",
    62: "tls certificate for another host",
    64: "tls certificate for another host",  # an IP address the certificate does not name
}


def _tls_problem(causes: list[BaseException]) -> str:
    """Which certificate check failed (the publisher's to fix), else a failed handshake (an
    old server, or plain HTTP on the HTTPS port)."""
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _CERTIFICATE_PROBLEMS.get(cause.verify_code, "tls certificate rejected")
    return "tls handshake failed"


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
