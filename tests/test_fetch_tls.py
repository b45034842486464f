"""HTTPS feeds: a real TLS server on 127.0.0.1 with the certificates in tests/data/tls/.

A certificate problem is the publisher's to fix, so the error says which check failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feedgen import Item, feeds_yaml, rss
from feedserver import feed_server

TLS = Path(__file__).parent / "data" / "tls"


@pytest.fixture
def trusting_test_ca(isolated, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return isolated


def poll_one(cli, isolated: Path, url: str) -> tuple[int, dict]:
    (isolated / "feeds.yaml").write_text(feeds_yaml((url, "Secure wire", "all")))
    run = cli("poll", "--format", "json")
    return run.code, json.loads(run.out)


def test_an_https_feed_with_a_trusted_certificate_is_stored(cli, trusting_test_ca):
    with feed_server(TLS / "server.pem") as server:
        server.route("/wire.xml", rss([Item("s-1", "Mines cleared near Kharkiv")]))
        code, summary = poll_one(cli, trusting_test_ca, server.url("/wire.xml"))
    assert server.url("/").startswith("https://")
    assert code == 0 and summary["new_stories"] == 1


@pytest.mark.parametrize(("cert", "trust_ca", "error"), [
    ("server.pem", False, "tls certificate not trusted"),  # signed by no authority we know
    ("other-host.pem", True, "tls certificate for another host"),
    ("expired.pem", True, "tls certificate expired"),
])
def test_a_certificate_problem_is_named(cli, isolated, monkeypatch, cert, trust_ca, error):
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    if trust_ca:
        monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    else:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with feed_server(TLS / cert) as server:
        server.route("/wire.xml", rss([Item("s-1", "Mines cleared near Kharkiv")]))
        code, summary = poll_one(cli, isolated, server.url("/wire.xml"))
    assert code == 1 and summary["errors"] == [{"feed": "Secure wire", "error": error}]
    listed = cli("feeds", "list", "--format", "json")
    assert json.loads(listed.out)[0]["last_error"] == error


def test_plain_http_on_an_https_address_is_a_failed_handshake(cli, trusting_test_ca):
    with feed_server() as server:
        server.route("/wire.xml", rss([Item("s-1", "Mines cleared near Kharkiv")]))
        https = server.url("/wire.xml").replace("http://", "https://")
        code, summary = poll_one(cli, trusting_test_ca, https)
    assert code == 1 and summary["errors"][0]["error"] == "tls handshake failed"
