"""fetch_feed against a real HTTP server on 127.0.0.1 serving feeds and faults."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import tracemalloc
import zlib

import httpx
import pytest
from feedserver import FeedServer, Route, feed_server, http_date

from minewatch import USER_AGENT
from minewatch.fetch import HostLimiter, _describe, body_hash, fetch_feed, make_client
from minewatch.models import FeedState, FetchResult

FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Demining in Angola</title><link>https://example.org/a</link></item>
</channel></rss>"""


@pytest.fixture
def server():
    with feed_server() as running:
        yield running


def fetch(state: FeedState | str, **options) -> FetchResult:
    if isinstance(state, str):
        state = FeedState(url=state)

    async def go() -> FetchResult:
        async with make_client(4) as client:
            return await fetch_feed(client, state, HostLimiter(), **options)

    return asyncio.run(go())


def test_ok_returns_body_validators_and_lower_case_headers(server: FeedServer):
    server.route("/rss", FEED, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    result = fetch(server.url("/rss"))
    assert result.outcome == "ok" and result.status == 200 and result.error is None
    assert result.body == FEED
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert result.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert result.headers["content-location"] == server.url("/rss")
    assert result.final_url == server.url("/rss") and result.moved_to is None


def test_user_agent_is_ours(server: FeedServer):
    server.route("/rss", FEED)
    fetch(server.url("/rss"))
    assert server.requests_to("/rss")[0].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("minewatch/")


def test_if_none_match_gives_304(server: FeedServer):
    server.route("/rss", FEED, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    first = fetch(server.url("/rss"))
    state = FeedState(url=server.url("/rss"), etag=first.etag, last_modified=first.last_modified)
    second = fetch(state)
    assert second.outcome == "not_modified" and second.status == 304 and second.body is None
    sent = server.requests_to("/rss")[1].headers
    assert sent["if-none-match"] == '"v1"'
    assert "if-modified-since" not in sent  # the ETag wins when both are known


def test_if_modified_since_when_no_etag(server: FeedServer):
    changed = http_date(time.time() - 3600)
    server.route("/rss", FEED, last_modified=changed)
    result = fetch(FeedState(url=server.url("/rss"), last_modified=changed))
    assert result.outcome == "not_modified"
    assert server.requests_to("/rss")[0].headers["if-modified-since"] == changed


def test_first_fetch_sends_no_validators(server: FeedServer):
    server.route("/rss", FEED, etag='"v1"')
    assert fetch(server.url("/rss")).outcome == "ok"
    sent = server.requests_to("/rss")[0].headers
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def test_304_to_a_request_without_validators_is_a_failure(server: FeedServer):
    # A misbehaving server or cache: taken for "not modified", the feed would count as read at
    # every poll while nothing of it was ever stored.
    server.route("/rss", status=304, content_type=None)
    result = fetch(server.url("/rss"))
    assert result.outcome == "failed"
    assert result.error == "http 304 to an unconditional request"


def test_changed_etag_gives_the_new_body(server: FeedServer):
    server.route("/rss", FEED, etag='"v2"')
    result = fetch(FeedState(url=server.url("/rss"), etag='"v1"'))
    assert result.outcome == "ok" and result.etag == '"v2"' and result.body == FEED


def test_body_hash_is_sha256_hex():
    assert body_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert body_hash(FEED) != body_hash(FEED + b" ")


@pytest.mark.parametrize("status", [404, 500, 502])
def test_http_errors_are_short_sentences(server: FeedServer, status: int):
    server.route("/rss", b"nope", status=status)
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error, result.status) == ("failed", f"http {status}", status)


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds(server: FeedServer, status: int):
    server.route("/rss", b"busy", status=status, headers={"Retry-After": "120"})
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", f"http {status}")
    assert result.retry_after == 120


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_as_http_date(server: FeedServer, status: int):
    server.route(
        "/rss", b"busy", status=status, headers={"Retry-After": http_date(time.time() + 600)}
    )
    result = fetch(server.url("/rss"))
    assert result.error == f"http {status}"
    assert 590 <= result.retry_after <= 601


def test_retry_after_capped_at_a_day(server: FeedServer):
    server.route("/rss", b"busy", status=429, headers={"Retry-After": str(30 * 86400)})
    assert fetch(server.url("/rss")).retry_after == 86400


def test_503_without_retry_after(server: FeedServer):
    server.route("/rss", b"busy", status=503)
    result = fetch(server.url("/rss"))
    assert result.error == "http 503" and result.retry_after is None


def test_410_marks_gone(server: FeedServer):
    server.route("/rss", b"gone", status=410)
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("gone", "http 410 gone")


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_records_the_new_address(server: FeedServer, status: int):
    server.redirect("/old", "/new", status=status)
    server.route("/new", FEED)
    result = fetch(server.url("/old"))
    assert result.outcome == "ok" and result.body == FEED
    assert result.moved_to == server.url("/new") and result.final_url == server.url("/new")
    assert result.url == server.url("/old")


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirect_is_followed_not_recorded(server: FeedServer, status: int):
    server.redirect("/feed", "/today", status=status)
    server.route("/today", FEED)
    result = fetch(server.url("/feed"))
    assert result.outcome == "ok" and result.body == FEED
    assert result.moved_to is None and result.final_url == server.url("/today")


def test_moved_to_stops_at_the_first_temporary_hop(server: FeedServer):
    server.redirect("/a", "/b", status=301)
    server.redirect("/b", "/c", status=302)
    server.redirect("/c", "/d", status=301)
    server.route("/d", FEED)
    result = fetch(server.url("/a"))
    assert result.outcome == "ok" and result.moved_to == server.url("/b")


@pytest.mark.parametrize(
    ("given", "kept"),
    [("/archive/feed.xml", "/archive/feed.xml"), ("http://[::1/feed", "/rss"),
     ("ftp://127.0.0.1/feed", "/rss"), ("http://127.0.0.1:99999/feed", "/rss")],
)
def test_content_location_resolves_links_only_when_it_is_a_web_address(
    server: FeedServer, given: str, kept: str
):
    server.route("/rss", FEED, headers={"Content-Location": given})
    result = fetch(server.url("/rss"))
    assert result.outcome == "ok"
    assert result.headers["content-location"] == server.url(kept)


def test_validators_travel_through_redirects(server: FeedServer):
    server.redirect("/old", "/new", status=301)
    server.route("/new", FEED, etag='"v1"')
    result = fetch(FeedState(url=server.url("/old"), etag='"v1"'))
    assert result.outcome == "not_modified" and result.moved_to == server.url("/new")


def test_redirect_loop(server: FeedServer):
    server.redirect("/a", "/b", status=302)
    server.redirect("/b", "/a", status=302)
    result = fetch(server.url("/a"))
    assert (result.outcome, result.error) == ("failed", "redirect loop")


def test_too_many_redirects(server: FeedServer):
    for i in range(7):
        server.redirect(f"/r{i}", f"/r{i + 1}", status=302)
    server.route("/r7", FEED)
    assert fetch(server.url("/r0")).error == "too many redirects"
    assert len(server.requests) == 6  # the first request and five hops


def test_five_redirects_are_fine(server: FeedServer):
    for i in range(5):
        server.redirect(f"/r{i}", f"/r{i + 1}", status=307)
    server.route("/r5", FEED)
    assert fetch(server.url("/r0")).outcome == "ok"


def test_redirect_to_ftp_is_refused(server: FeedServer):
    server.redirect("/rss", "ftp://127.0.0.1/feed.xml", status=301)
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", "unsupported scheme: ftp")


@pytest.mark.parametrize(("location", "path"), [("/new feed.xml", "/new%20feed.xml"),
                                                ("/d\u00e9minage.xml", "/d%C3%A9minage.xml"),
                                                ("/a%20b.xml", "/a%20b.xml")])
def test_a_location_outside_uri_syntax_is_encoded_and_followed(server: FeedServer, location: str,
                                                               path: str):
    server.route(path, FEED)
    server.route("/rss", b"", status=302, headers={"Location": location}, content_type=None)
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.final_url) == ("ok", server.url(path))


@pytest.mark.parametrize("location", ["http://[::1", "http://127.0.0.1:99999/rss",
                                      "http://[::1]x/rss", "javascript:alert(1)"])
def test_redirect_to_an_invalid_address_says_so(server: FeedServer, location: str):
    # (httpx itself raised on building a next hop from "javascript:alert(1)": 'invalid url')
    server.route("/rss", b"", status=301, headers={"Location": location}, content_type=None)
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", "redirect to an invalid address")
    assert result.moved_to is None


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.org/rss", "unsupported scheme: ftp"),
        ("file:///etc/passwd", "unsupported scheme: file"),
        ("http://127.0.0.1:99999/rss", "invalid url"),  # the socket call would overflow
        ("http://127.0.0.1:8o/rss", "invalid url"),
        ("http://[::1/rss", "invalid url"),
        ("http:///rss", "invalid url"),
    ],
)
def test_first_address_is_checked(url: str, error: str):
    result = fetch(url)
    assert (result.outcome, result.error) == ("failed", error)


def test_stall_is_stopped_by_the_total_deadline(server: FeedServer):
    server.route("/rss", FEED, delay=10)
    started = time.monotonic()
    result = fetch(server.url("/rss"), timeout=0.5)
    assert time.monotonic() - started < 2
    assert (result.outcome, result.error) == ("failed", "timeout after 0.5s")


def test_slow_drip_cannot_stretch_the_deadline(server: FeedServer):
    server.route("/rss", FEED, drip=0.2)  # every byte arrives well within any read timeout
    started = time.monotonic()
    result = fetch(server.url("/rss"), timeout=1)
    assert time.monotonic() - started < 2.5
    assert result.error == "timeout after 1s"


def test_reset_mid_body(server: FeedServer):
    server.route("/rss", FEED * 50, reset_after=100)
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", "connection reset")


@pytest.mark.parametrize("reply, error", [
    (b"", "connection closed before an answer"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + FEED, "connection closed mid-body"),
])
def test_a_clean_close_too_early_is_named(reply: bytes, error: str):
    """A server that closes its side in order (no reset) before the answer or the body ends."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def answer() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(reply)
                conn.shutdown(socket.SHUT_WR)
                conn.recv(1)  # until the client hangs up

        replier = threading.Thread(target=answer, daemon=True)
        replier.start()
        result = fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/rss", timeout=5)
        replier.join(5)
    assert (result.outcome, result.error) == ("failed", error)


def test_connection_refused():
    with socket.socket() as sock:  # a port that was free a moment ago, with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = fetch(f"http://127.0.0.1:{port}/rss")
    assert (result.outcome, result.error) == ("failed", "connection refused")


def test_oversized_body(server: FeedServer):
    server.route("/rss", b"x" * 5000)
    result = fetch(server.url("/rss"), max_bytes=4000)
    assert (result.outcome, result.error) == ("failed", "too large: over 4 kB")
    assert result.body is None


def test_default_cap_message():
    from minewatch.fetch import _size

    assert f"too large: over {_size(10_000_000)}" == "too large: over 10 MB"


def test_body_at_the_cap_is_fine(server: FeedServer):
    server.route("/rss", b"x" * 4000)
    assert fetch(server.url("/rss"), max_bytes=4000).outcome == "ok"


def test_gzip_body_is_decoded(server: FeedServer):
    server.route("/rss", FEED, gzip=True)
    assert fetch(server.url("/rss")).body == FEED


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("deflate", zlib.compress),  # zlib-wrapped, as the standard says
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        ("gzip", lambda data: gzip.compress(data[:100]) + gzip.compress(data[100:])),  # two members
        ("gzip", lambda data: gzip.compress(data) + b"\r\n"),  # a line break after the end
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),  # encoded twice
        ("br", lambda data: data),  # a label we never asked for on a plain body: a mislabel
    ],
)
def test_other_compressed_forms_are_decoded(server: FeedServer, encoding: str, encode):
    server.route("/rss", encode(FEED), headers={"Content-Encoding": encoding})
    result = fetch(server.url("/rss"))
    assert result.outcome == "ok" and result.body == FEED


def test_an_encoding_we_never_asked_for_is_not_decoded(server: FeedServer):
    server.route("/rss", b"\x1b\x7f\x00\x00" + bytes(range(256)) * 4,
                 headers={"Content-Encoding": "br"})  # brotli, say
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", "unsupported content encoding: br")


def test_an_encoding_without_a_printable_name_is_not_repeated_in_the_error(server: FeedServer):
    """The error is stored and shown on every poll: a stray escape sequence where the name of
    an encoding belongs is left out of it."""
    server.route("/rss", b"\x1b\x7f\x00\x00" + bytes(range(256)) * 4,
                 headers={"Content-Encoding": "br, x-\x9b31m"})
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", "unsupported content encoding: br")
    server.route("/rss", b"\x1b\x7f\x00\x00" + bytes(range(256)) * 4,
                 headers={"Content-Encoding": "\x9b2J"})
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", "unsupported content encoding")


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate"])
def test_a_plain_body_labelled_compressed_is_read_as_it_is(server: FeedServer, encoding: str):
    """A misconfigured server names gzip and sends the feed plain: no compressed stream opens
    with "<" or "{", so the body is read as it came, cap and all."""
    server.route("/rss", b"\n  " + FEED, headers={"Content-Encoding": encoding})
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.body) == ("ok", b"\n  " + FEED)
    server.route("/big", FEED * 100, headers={"Content-Encoding": encoding})
    assert fetch(server.url("/big"), max_bytes=len(FEED) * 10).error.startswith("too large")


def test_corrupt_gzip(server: FeedServer):
    server.route("/rss", b"\x1f\x8b\x08\x00garbage" * 10, headers={"Content-Encoding": "gzip"})
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", "invalid compressed body")


@pytest.mark.parametrize("encoding, encode", [("gzip", gzip.compress),
                                             ("deflate", zlib.compress)])
def test_a_compressed_body_cut_short_fails_and_saves_no_validators(server: FeedServer,
                                                                    encoding: str, encode):
    whole = encode(FEED * 20)
    server.route("/rss", whole[: len(whole) // 2], etag='"v1"',
                 headers={"Content-Encoding": encoding})  # delivered whole, as HTTP goes
    result = fetch(server.url("/rss"))
    assert (result.outcome, result.error) == ("failed", "compressed body cut short")
    assert result.body is None and result.etag is None


@pytest.mark.parametrize(("variable", "value", "detail"), [
    ("ALL_PROXY", "socks5://127.0.0.1:1080", "socksio"),  # a SOCKS proxy, socksio absent
    ("HTTPS_PROXY", "ftp://proxy.example", "Unknown scheme"),
    ("SSL_CERT_FILE", "/nonexistent/ca.pem", "No such file"),
])
def test_an_environment_httpx_cannot_use_is_a_usage_error(monkeypatch, variable, value, detail):
    import importlib.util

    from minewatch.errors import UsageError

    if detail == "socksio" and importlib.util.find_spec("socksio"):
        pytest.skip("socksio is installed here: httpx can use a SOCKS proxy")
    monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError) as raised:
        make_client(4)
    message = str(raised.value)
    assert message.startswith("cannot set up HTTP from the environment: ")
    assert detail in message and variable in message and "\n" not in message


def test_only_encodings_we_can_cap_are_asked_for(server: FeedServer):
    server.route("/rss", FEED)
    fetch(server.url("/rss"))
    assert server.requests_to("/rss")[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(("encoding", "encode"), [
    ("gzip", gzip.compress),  # about 50 kB on the wire
    ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),  # about 200 bytes
])
def test_gzip_bomb_stops_at_the_cap_without_expanding(server: FeedServer, encoding: str, encode):
    bomb = encode(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    server.route("/rss", bomb, headers={"Content-Encoding": encoding})
    tracemalloc.start()
    try:
        result = fetch(server.url("/rss"), max_bytes=2_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (result.outcome, result.error) == ("failed", "too large: over 2 MB")
    assert peak < 12_000_000  # never the 50 MB the bomb would become


def test_a_gzip_file_served_without_content_encoding_is_inflated_within_the_cap(
    server: FeedServer,
):
    server.route("/rss.xml.gz", gzip.compress(FEED), content_type="application/x-gzip")
    result = fetch(server.url("/rss.xml.gz"))
    assert (result.outcome, result.body) == ("ok", FEED)
    server.route("/bomb.gz", gzip.compress(b"\0" * 50_000_000), content_type="application/x-gzip")
    result = fetch(server.url("/bomb.gz"), max_bytes=2_000_000)
    assert (result.outcome, result.error) == ("failed", "too large: over 2 MB")


def test_loopback_is_exempt_from_the_host_limit(server: FeedServer):
    server.route("/rss", FEED, delay=0.3)

    async def go() -> float:
        limiter = HostLimiter(per_host=1)
        async with make_client(8) as client:
            started = time.monotonic()
            states = [FeedState(url=server.url(f"/rss?n={i}")) for i in range(4)]
            results = await asyncio.gather(*(fetch_feed(client, s, limiter) for s in states))
            assert all(r.outcome == "ok" for r in results)
            return time.monotonic() - started

    assert asyncio.run(go()) < 1.0  # four 0.3 s requests at once, not one after another


def test_host_limiter_holds_two_per_publisher():
    async def go() -> int:
        limiter = HostLimiter(per_host=2)
        in_flight = peak = 0

        async def one() -> None:
            nonlocal in_flight, peak
            async with limiter.slot("https://news.example.org/rss"):
                in_flight += 1
                peak = max(peak, in_flight)
                await asyncio.sleep(0.01)
                in_flight -= 1

        await asyncio.gather(*(one() for _ in range(6)))
        return peak

    assert asyncio.run(go()) == 2


def test_queueing_for_a_busy_host_does_not_eat_the_deadline():
    async def go() -> None:
        limiter = HostLimiter(per_host=1)
        state = FeedState(url="https://feeds.example.org/b")
        async with make_client(1) as client:
            async with limiter.slot("https://feeds.example.org/a"):
                # Another feed of the same host waits for the slot; its clock has not started.
                waiting = asyncio.ensure_future(fetch_feed(client, state, limiter, timeout=0.2))
                await asyncio.sleep(0.4)
                assert not waiting.done()
                waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting

    asyncio.run(go())


def test_cancellation_propagates(server: FeedServer):
    server.route("/rss", FEED, delay=5)

    async def go() -> None:
        async with make_client(1) as client:
            task = asyncio.ensure_future(
                fetch_feed(client, FeedState(url=server.url("/rss")), HostLimiter())
            )
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())


def test_dynamic_route_and_unchanged_body_hash(server: FeedServer):
    served = [FEED, FEED, FEED + b"<!-- changed -->"]

    def next_body(request) -> Route:
        return Route(body=served[len(server.requests_to("/rss")) - 1])

    server.route_dynamic("/rss", next_body)
    hashes = [body_hash(fetch(server.url("/rss")).body) for _ in served]
    assert hashes[0] == hashes[1] != hashes[2]


def test_an_error_wrapped_in_a_task_group_is_described_by_what_it_wraps():
    refused = httpx.ConnectError("All connection attempts failed")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert _describe(ExceptionGroup("unhandled errors in a TaskGroup", [refused])) == (
        "connection refused"
    )
    assert _describe(ExceptionGroup("g", [OverflowError("port")])) == "fetch failed: OverflowError"
