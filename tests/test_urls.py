"""absolute_url and canonical_url."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minewatch.textclean import terminal_safe
from minewatch.urls import absolute_url, as_uri, canonical_url, is_web_address, without_password

BASE = "https://example.org/feeds/mines/rss.xml"


@pytest.mark.parametrize(
    ("link", "absolute"),
    [
        ("https://other.example/a", "https://other.example/a"),
        ("/news/1", "https://example.org/news/1"),
        ("item/2", "https://example.org/feeds/mines/item/2"),
        ("../up", "https://example.org/feeds/up"),
        ("//cdn.example.net/x", "https://cdn.example.net/x"),
        ("  https://example.org/spaced \n", "https://example.org/spaced"),
        ("?page=2", "https://example.org/feeds/mines/rss.xml?page=2"),
        ("javascript:alert(1)", None),
        ("mailto:desk@example.org", None),
        ("ftp://example.org/file", None),
        ("data:text/html,hi", None),
        ("http://", None),
        ("http://example.org:notaport/", None),
        ("http://example.org:70000/", None),
        ("http://[::1/", None),
        ("https://example.org/\x1b[31mred", None),
        ("https://example.org/a\x00b", None),
        ("https://example.org/\u202etxt.exe", None),
        ("https://example.org/\x9b31m", None),
        ("https://example.org/d\u00e9minage", "https://example.org/d\u00e9minage"),
        ("", None),
        (None, None),
    ],
)
def test_absolute_url(link: str | None, absolute: str | None):
    assert absolute_url(link, BASE) == absolute


def test_relative_link_without_a_web_base_is_dropped():
    assert absolute_url("/news/1", "") is None


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.ORG/Path/Case", "https://example.org/Path/Case"),  # the path keeps case
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/a#comments", "https://example.org/a"),
        ("https://example.org/a?", "https://example.org/a"),
        (
            "https://example.org/a?utm_source=rss&utm_medium=feed&id=7&fbclid=x&gclid=y",
            "https://example.org/a?id=7",
        ),
        ("https://example.org/a?b=2&a=1&a=0", "https://example.org/a?a=1&a=0&b=2"),  # stable sort
        ("https://example.org/a?UTM_Campaign=x&q=mine%20ban", "https://example.org/a?q=mine%20ban"),
        (
            "https://example.org/a?ITO=1490&ns_mchannel=rss&ns_campaign=1490",
            "https://example.org/a",
        ),
        ("https://example.org./a", "https://example.org/a"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("https://user@Example.org/a", "https://user@example.org/a"),
    ],
)
def test_canonical_url(url: str, canonical: str):
    assert canonical_url(url) == canonical


def test_two_spellings_of_one_story_meet():
    a = "https://News.example.org/2025/ottawa?utm_source=feedA&id=3#top"
    b = "https://news.example.org:443/2025/ottawa?id=3&utm_source=feedB"
    assert canonical_url(a) == canonical_url(b)


@given(st.text(max_size=60))
def test_canonical_url_never_raises_and_is_idempotent(path: str):
    url = f"https://example.org/{path}"
    once = canonical_url(url)
    assert canonical_url(once) == once or "#" in path or "?" in path


@given(st.text(max_size=60))
def test_absolute_url_gives_web_urls_or_none(link: str):
    result = absolute_url(link, BASE)
    assert result is None or (result.startswith(("http://", "https://"))
                              and is_web_address(result) and terminal_safe(result) == result
                              and " " not in result)


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("/new feed.xml", "/new%20feed.xml"),
        ("https://b\u00fccher.example/d\u00e9minage?q=mine ban", "https://b\u00fccher.example/d%C3%A9minage?q=mine%20ban"),
        ("https://a.example/a%20b?x=1&y=2#top", "https://a.example/a%20b?x=1&y=2#top"),
        ("  https://a.example/rss  ", "https://a.example/rss"),
        ("http://[::1", "http://[::1"),
    ],
)
def test_as_uri_encodes_path_query_and_fragment_only(written: str, uri: str):
    assert as_uri(written) == uri


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://reader:s3cret@news.example/rss", "https://reader:***@news.example/rss"),
        ("https://:token@news.example:8443/rss?x=1", "https://:***@news.example:8443/rss?x=1"),
        ("https://reader@news.example/rss", "https://reader@news.example/rss"),  # no password
        ("https://news.example/rss", "https://news.example/rss"),
        ("http://[::1", "http://[::1"),  # unreadable: as it was
    ],
)
def test_without_password(url: str, shown: str):
    assert without_password(url) == shown
