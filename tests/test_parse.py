"""parse_feed on feeds written for these tests: each file in tests/feeds/ sits beside
NAME.expect.json, which says how it is served and what must come out of it."""

from __future__ import annotations

import codecs
import hashlib
import json
import pickle
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minewatch.models import ParsedFeed
from minewatch.parse import SUMMARY_LIMIT, TITLE_LIMIT, NotAFeed, parse_feed
from minewatch.textclean import terminal_safe

FEEDS = Path(__file__).parent / "feeds"
FETCHED_AT = "2026-03-01T12:00:00Z"
DEFAULT_URL = "https://feeds.example.org/feed"
CASES = sorted(p for p in FEEDS.glob("*.expect.json"))


def load_case(expect_path: Path) -> tuple[bytes, dict, dict]:
    name = expect_path.name.removesuffix(".expect.json")
    [feed_path] = [p for p in FEEDS.glob(f"{name}.*") if p != expect_path]
    expect = json.loads(expect_path.read_text(encoding="utf-8"))
    body = feed_path.read_bytes()
    encoding = expect.get("encode")
    if encoding == "utf-16-le-bom":
        body = codecs.BOM_UTF16_LE + body.decode("utf-8").encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        body = codecs.BOM_UTF16_BE + body.decode("utf-8").encode("utf-16-be")
    elif encoding:
        body = body.decode("utf-8").encode(encoding)
    headers = {"Content-Type": expect["served_as"], **expect.get("headers", {})}
    return body, headers, expect


def parse(body: bytes, content_type: str = "application/rss+xml", url: str = DEFAULT_URL):
    return parse_feed(body, {"content-type": content_type}, url, fetched_at=FETCHED_AT)


@pytest.mark.parametrize("expect_path", CASES, ids=lambda p: p.name.removesuffix(".expect.json"))
def test_feed_file(expect_path: Path):
    body, headers, expect = load_case(expect_path)
    url = expect.get("url", DEFAULT_URL)

    def run() -> ParsedFeed:
        return parse_feed(body, headers, url, fetched_at=FETCHED_AT)

    if "error" in expect or "error_prefix" in expect:
        with pytest.raises(NotAFeed) as raised:
            run()
        if "error" in expect:
            assert str(raised.value) == expect["error"]
        else:
            assert str(raised.value).startswith(expect["error_prefix"])
        return

    feed = run()
    if "version" in expect:
        assert feed.version == expect["version"]
    if "version_prefix" in expect:
        assert feed.version and feed.version.startswith(expect["version_prefix"])
    if "title" in expect:
        assert feed.title == expect["title"]
    if "warning" in expect:
        if expect["warning"] is None:
            assert feed.warning is None
        else:
            assert feed.warning and feed.warning.startswith(expect["warning"])
    if "stories" in expect:
        assert len(feed.stories) == len(expect["stories"])
    wanted = expect.get("stories") or expect.get("stories_start") or []
    assert len(feed.stories) >= max(len(wanted), expect.get("min_stories", 1))
    for story, fields in zip(feed.stories, wanted, strict=False):
        got = {name: getattr(story, name) for name in fields}
        assert got == fields
    for story in feed.stories:
        assert story.title or story.summary
        for text in (story.title, story.summary):
            if "forbidden" in expect:
                assert expect["forbidden"] not in text
            assert len(text) <= expect.get("max_text", 10_000)
            assert terminal_safe(text) == text and "\n" not in text


def test_every_feed_file_has_expectations():
    feeds = {p.name.split(".")[0] for p in FEEDS.iterdir() if not p.name.endswith(".expect.json")}
    cases = {p.name.removesuffix(".expect.json") for p in CASES}
    assert feeds == cases


def test_entity_bomb_is_fast_and_small():
    body, headers, _ = load_case(FEEDS / "entity-bomb.expect.json")
    started = time.monotonic()
    feed = parse_feed(body, headers, DEFAULT_URL, fetched_at=FETCHED_AT)
    assert time.monotonic() - started < 1
    assert sum(len(s.title) + len(s.summary) for s in feed.stories) < 500


def test_a_title_or_summary_of_megabytes_is_stored_shortened():
    """One item padded to megabytes would make every search that matches it take minutes."""
    huge = "Landmine " * 200_000
    body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><guid>g1</guid><title>{huge}</title><description>{huge}</description></item>"
            "</channel></rss>").encode()
    [story] = parse(body).stories
    assert TITLE_LIMIT - len("Landmine ") < len(story.title) <= TITLE_LIMIT  # at a word edge
    assert story.title.startswith("Landmine Landmine") and story.title.endswith("Landmine…")
    assert len(story.summary) <= SUMMARY_LIMIT and story.summary.endswith("Landmine…")


def test_external_entity_never_reads_a_local_file(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("MINEWATCH-SECRET-7731")
    for declaration in (
        f'<!ENTITY leak SYSTEM "file://{secret}">',
        f'<!ENTITY leak SYSTEM "{secret}">',
        f'<!ENTITY leak PUBLIC "-//x//y" "file://{secret}">',
    ):
        body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [ {declaration} ]>
<rss version="2.0"><channel><title>t &leak;</title>
<item><title>Leak &leak; here</title><description>&leak;</description>
<link>https://xxe.example.org/1</link></item></channel></rss>""".encode()
        feed = parse(body)
        texts = [feed.title or ""] + [s.title + s.summary for s in feed.stories]
        assert feed.stories and all("MINEWATCH-SECRET" not in t for t in texts)


def test_doctype_in_utf16_is_removed_too():
    text = """<?xml version="1.0" encoding="UTF-16"?>
<!DOCTYPE rss [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><item><title>x &b;</title><link>https://a.example/1</link></item>
</channel></rss>"""
    feed = parse(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert "AAAA" not in feed.stories[0].title


def test_line_numbers_survive_the_doctype_cut():
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY x "y">
]>
<rss version="2.0"><channel><title>t</title>
<item><title>one</title><link>https://a.example/1</link></item>
<item><title>two & three</title><link>https://a.example/2</link></item>
</channel></rss>"""
    feed = parse(body)
    assert feed.warning and feed.warning.endswith("at line 7")


def test_empty_body_variants():
    for body in (b"", b"   \n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE):
        with pytest.raises(NotAFeed, match="^not a feed: empty body$"):
            parse(body)


def test_json_nested_past_the_recursion_limit_is_a_short_error():
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": [' + b"[" * 100_000
    body += b"]" * 100_000 + b"]}"
    with pytest.raises(NotAFeed, match="^invalid json: nested too deeply$"):
        parse(body, "application/feed+json")


def test_a_json_number_too_long_for_an_int_does_not_cost_the_feed_its_entries():
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "x": ' + b"9" * 100_000
            + b', "items": [{"id": 42, "content_text": "Mines cleared near Kharkiv",'
            + b' "url": "https://a.example/1", "_n": -' + b"1" * 5_000 + b"}]}")
    feed = parse(body, "application/feed+json")
    assert [s.summary for s in feed.stories] == ["Mines cleared near Kharkiv"]
    assert feed.stories[0].guid == "42"  # ordinary numbers are still numbers


@pytest.mark.parametrize(("guid", "url"), [
    ("17", None),  # an id: "https://a.example/17" would be an address nobody published
    ("post-17", None),
    ("https://a.example/news/17", "https://a.example/news/17"),
    ("/news/17", "https://a.example/news/17"),
])
def test_a_guid_stands_for_the_link_only_when_it_is_an_address(guid: str, url: str | None):
    body = f"""<rss version="2.0"><channel><item><title>a</title><guid>{guid}</guid>
</item></channel></rss>""".encode()
    assert parse(body, url="https://a.example/feeds/rss").stories[0].url == url


def test_a_link_that_entries_with_different_guids_share_is_no_identity():
    items = "".join(f"<item><title>Release {n}</title><guid>https://gov.example/r/{n}</guid>"
                    "<link>https://gov.example/press/</link></item>" for n in (1, 2, 3))
    items += ("<item><title>Own page</title><guid>https://gov.example/r/4</guid>"
              "<link>https://gov.example/r/4</link></item>")
    stories = parse(f'<rss version="2.0"><channel>{items}</channel></rss>'.encode()).stories
    assert [s.title for s in stories] == ["Release 1", "Release 2", "Release 3", "Own page"]
    assert {s.url for s in stories[:3]} == {"https://gov.example/press/"}  # still shown
    assert [s.canonical_url for s in stories] == [None, None, None, "https://gov.example/r/4"]


@pytest.mark.parametrize("date", ["2025-02-30T10:00:00Z", "2025-13-01T10:00:00Z",
                                  "2025-06-01T25:61:00Z", "2025-02-29"])
def test_an_impossible_iso_date_is_a_missing_one_not_another_day(date: str):
    rss = f"""<rss version="2.0"><channel><item><title>a</title><guid>https://a.example/1</guid>
<pubDate>{date}</pubDate></item></channel></rss>""".encode()
    atom = f"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>tag:a,1</id><title>a</title>
<updated>{date}</updated></entry></feed>""".encode()
    json_feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "title": "a", "date_published": date}]}).encode()
    for body, mime in ((rss, "application/rss+xml"), (atom, "application/atom+xml"),
                       (json_feed, "application/feed+json")):
        story = parse(body, mime).stories[0]
        assert (story.published, story.date_estimated) == (FETCHED_AT, True), mime


@pytest.mark.parametrize(("content_type", "named"), [
    ("image/PNG", "image/png"),
    ("application/vnd.ms-excel; charset=x", "application/vnd.ms-excel"),
    ("text/\x9b31m\x1b[31mred\x07", "unknown format"),
    ("\xaa\x95v\xad`", "unknown format"),
    ("", "unknown format"),
])
def test_a_body_that_is_no_feed_is_named_by_its_content_type_only_when_it_is_one(
        content_type: str, named: str):
    """The error is stored on the feed and shown on every poll: bytes a server sends where
    a media type belongs are not repeated there."""
    with pytest.raises(NotAFeed) as caught:
        parse(b"hello world, not a feed at all", content_type)
    assert str(caught.value) == f"not a feed: {named}"


def test_a_page_that_points_to_a_feed_names_it_unless_the_address_is_unreadable():
    def error(href: str) -> str:
        page = (f'<html><head><link rel="alternate" type="application/rss+xml" href="{href}">'
                "</head><body>home</body></html>").encode()
        with pytest.raises(NotAFeed) as caught:
            parse(page, "text/html")
        return str(caught.value)

    assert error("/feed.xml") == (
        "not a feed: text/html (the page points to a feed: https://feeds.example.org/feed.xml)")
    for unreadable in ("/feed\x1b[31m.xml", "/f\u009b2J.xml", "/" + "a" * 600):
        assert error(unreadable) == "not a feed: text/html", unreadable


@pytest.mark.parametrize("opening", [
    b'<?xml version="1.0" encoding="utf\xba8"?>',  # the declaration's name is no text
    b'<?pi encoding="\xba"?>',  # nor is that of another instruction where it would stand
    b'<?\x05xml version="1.0" encoding="+j&\xbawindows-1251"?>',  # mangled in transfer
])
def test_an_encoding_declared_in_bytes_that_are_no_text_is_passed_over(opening: bytes):
    """feedparser decodes the name it finds in the first line's instruction as UTF-8, and
    raised UnicodeDecodeError: the feed failed with "parsing failed" whatever it held."""
    body = opening + ('<rss version="2.0"><channel><title>t</title><item><title>Mine caf\xe9'
                      "</title><link>https://x.example/1</link></item></channel></rss>"
                      ).encode("latin-1")
    assert [story.title for story in parse(body).stories] == ["Mine café"]


def test_comments_before_the_first_tag_are_skipped_in_linear_time():
    page = b"<!-- a -->\n" * 100 + b"<!DOCTYPE html><html><body>home</body></html>"
    with pytest.raises(NotAFeed, match="^not a feed: text/html$"):
        parse(page, "application/xml")
    started = time.monotonic()
    with pytest.raises(NotAFeed):  # a pattern that skipped them lazily never came back
        parse(b"<!-- a -->" * 20_000 + b"no feed here", "application/xml")
    assert time.monotonic() - started < 2


def test_guid_key_uses_the_feed_url_for_short_guids():
    body = b"""<rss version="2.0"><channel><item><title>a</title><guid>7</guid>
</item></channel></rss>"""
    one = parse(body, url="https://a.example/rss").stories[0].key
    two = parse(body, url="https://b.example/rss").stories[0].key
    assert one == "guid:https://a.example/rss#7" and one != two


@pytest.mark.parametrize("guid", ["/news/2025/7", "news/2025/7", "/wiki/Talk:Mines"])
def test_a_guid_that_is_a_path_is_keyed_by_the_site_it_came_from(guid: str):
    body = f"""<rss version="2.0"><channel><item><title>a</title>
<guid isPermaLink="false">{guid}</guid></item></channel></rss>""".encode()
    world = parse(body, url="https://a.example/rss/world.xml").stories[0].key
    europe = parse(body, url="https://a.example/feeds/europe").stories[0].key
    elsewhere = parse(body, url="https://b.example/rss/world.xml").stories[0].key
    path = guid.lstrip("/")
    assert world == europe == f"guid:https://a.example/{path}"  # one site's two feeds
    assert elsewhere == f"guid:https://b.example/{path}"


@pytest.mark.parametrize("guid", ["tag:a.example,2025:news/7", "urn:uuid:1b4e28ba-2fa1-11d2"])
def test_a_guid_with_a_scheme_is_one_identity_everywhere(guid: str):
    body = f"""<rss version="2.0"><channel><item><title>a</title>
<guid isPermaLink="false">{guid}</guid></item></channel></rss>""".encode()
    keys = {parse(body, url=url).stories[0].key
            for url in ("https://a.example/rss", "https://b.example/rss")}
    assert keys == {f"guid:{guid}"}


def test_hash_key_is_sha256_of_title_and_summary():
    body = b"""<rss version="2.0"><channel><item><title>T</title><description>S</description>
</item></channel></rss>"""
    [story] = parse(body).stories
    assert story.key == "hash:" + hashlib.sha256(b"T\nS").hexdigest()


def _big_feed(entries: int) -> bytes:
    items = "".join(
        f"<item><title>Mine clearance report {i}</title>"
        f"<link>https://big.example.org/report/{i}</link>"
        f"<guid>https://big.example.org/report/{i}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 00:{i % 60:02d}:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Survey {i} released land in the north.&lt;/p&gt;</description>"
        "</item>"
        for i in range(entries)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
    return f"{head}{items}</channel></rss>".encode()


def test_ten_thousand_entries():
    body = _big_feed(10_000)
    started = time.perf_counter()
    feed = parse(body)
    elapsed = time.perf_counter() - started
    assert len(feed.stories) == 10_000
    assert feed.stories[9_999].title == "Mine clearance report 9999"
    assert feed.stories[9_999].summary == "Survey 9999 released land in the north."
    assert elapsed < 8, f"10,000 entries took {elapsed:.1f}s"


def test_parse_feed_runs_in_a_worker_process():
    body = _big_feed(3)
    with ProcessPoolExecutor(max_workers=1) as pool:
        feed = pool.submit(parse_feed, body, {}, DEFAULT_URL, fetched_at=FETCHED_AT).result()
        assert len(feed.stories) == 3
        with pytest.raises(NotAFeed, match="empty body"):
            pool.submit(parse_feed, b"", {}, DEFAULT_URL, fetched_at=FETCHED_AT).result()


def test_not_a_feed_pickles():
    exc = pickle.loads(pickle.dumps(NotAFeed("not a feed: text/html")))
    assert isinstance(exc, NotAFeed) and str(exc) == "not a feed: text/html"


VALID = _big_feed(2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda cut, junk: VALID[:cut] + junk + VALID[cut:],
            st.integers(0, len(VALID)),
            st.binary(max_size=20),
        ),
        st.builds(lambda cut: VALID[:cut], st.integers(0, len(VALID))),
    ),
    st.sampled_from(["application/rss+xml", "text/html", "application/json", "text/xml", ""]),
)
def test_any_bytes_give_a_feed_or_not_a_feed(body: bytes, content_type: str):
    try:
        feed = parse(body, content_type)
    except NotAFeed as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for story in feed.stories:
        assert story.title or story.summary
        assert story.published.endswith("Z") and len(story.published) == 20
        assert story.url is None or story.url.startswith(("http://", "https://"))


@pytest.mark.parametrize("prefix", ["", "a:"])
def test_an_atom_body_cut_inside_an_entry_keeps_only_the_entries_it_closed(prefix):
    xmlns = f'xmlns{":a" if prefix else ""}="http://www.w3.org/2005/Atom"'
    entries = "".join(
        f"<{prefix}entry><{prefix}id>urn:e{n}</{prefix}id><{prefix}title>Mine blast {n}"
        f"</{prefix}title><{prefix}summary>Two hurt in district {n}.</{prefix}summary>"
        f"</{prefix}entry>" for n in range(3))
    whole = (f'<?xml version="1.0"?><{prefix}feed {xmlns}><{prefix}title>t</{prefix}title>'
             f"{entries}</{prefix}feed>")
    for cut_at, kept in ((whole.index("Two hurt in district 2") + 5, 2),
                         (whole.index(f"</{prefix}entry>", whole.index("urn:e1")) + 3, 1)):
        feed = parse(whole[:cut_at].encode(), "application/atom+xml")
        assert feed.cut_short
        assert [s.guid for s in feed.stories] == [f"urn:e{n}" for n in range(kept)]
    assert len(parse(whole.encode(), "application/atom+xml").stories) == 3


def test_character_references_xml_forbids_keep_the_feed_and_its_entries():
    # ill-formed, so feedparser's fallback parser reads it, and it failed on each of these
    refs = ["&#xD800;", "&#55296;", "&#x110000;", "&#" + "9" * 5_000 + ";", "&#xFFFF;"]
    items = "".join(f"<item><guid>g{n}</guid><title>Mine {n} {ref} end</title></item>"
                    for n, ref in enumerate(refs))
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"{items}<item><guid>c</guid><title>Mines &#0;&#x1B;&#8; here</title></item>"
            "</channel></rss>")
    feed = parse(body.encode())
    assert [s.title for s in feed.stories] == [
        *(f"Mine {n} \ufffd end" for n in range(len(refs))), "Mines here"]
    assert feed.warning is None  # made valid, the document is read by the strict parser


def test_an_encoding_name_that_is_not_text_falls_back_to_the_usual_guess():
    body = ('<?xml version="1.0" encoding="é"?><rss version="2.0"><channel><title>t</title>'
            "<item><title>Minas en el café</title><guid>a</guid></item></channel></rss>")
    feed = parse(body.encode("latin-1"))  # feedparser's own decoding raised on the name
    assert [s.title for s in feed.stories] == ["Minas en el café"]


def test_a_broken_body_feedparser_trips_over_is_a_short_error():
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>A & B</title>'
            b"<image></width></image><item><title>Mines</title></item></channel></rss>")
    with pytest.raises(NotAFeed, match="^parsing failed: TypeError$"):
        parse(body)  # its fallback parser does int(None) on the stray </width>
