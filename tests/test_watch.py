"""Watches and feeds lists in and out, end to end: real server, real SQLite file."""

from __future__ import annotations

import json

import feedparser
import yaml
from feedgen import Item, feeds_yaml, rss
from feedserver import feed_server
from storyfactory import fill, item


def write_feeds(tmp, *entries):
    (tmp / "feeds.yaml").write_text(feeds_yaml(*entries))


def alerts_of(cli):
    run = cli("poll", "--alerts", "--format", "json")
    return run, {a["watch"]: [s["title"] for s in a["stories"]]
                 for a in json.loads(run.out)["alerts"]}


def test_a_watch_matches_exactly_what_search_returns(cli, isolated):
    fill({"Wire": [
        item("a", "Ukraine to withdraw from mine ban treaty", "Kyiv moves to withdraw.",
             "2025-06-29T10:00:00Z", tags=(("country", "UA", "Ukraine"),)),
        item("b", "Ukraine suspends treaty", "Ukraine suspended the convention.",
             "2025-07-15T10:00:00Z", tags=(("country", "UA", "Ukraine"),)),
        item("c", "Finland to withdraw", "Helsinki decided.", "2025-04-01T10:00:00Z",
             tags=(("country", "FI", "Finland"),)),
    ]})
    query = "Ukraine (withdraw* OR suspend*)"
    assert cli("watch", "add", "exit", query, "--country", "UA").code == 0
    searched = json.loads(cli("search", query, "--country", "UA", "--sort", "newest",
                              "--format", "json").out)
    shown = cli("watch", "show", "exit").out
    assert len(searched) == 2
    for row in searched:
        assert row["title"] in shown
    assert "Finland" not in shown
    listed = json.loads(cli("watch", "list", "--format", "json").out)
    assert listed[0]["name"] == "exit" and listed[0]["countries"] == ["UA"]


def test_watch_add_validates_like_search(cli, isolated):
    fill({"Wire": []})
    run = cli("watch", "add", "bad", '"unbalanced')
    assert run.code == 2 and "malformed query" in run.err
    assert cli("watch", "add", "w", "mines", "--country", "Ukraine").code == 2
    assert cli("watch", "add", "w", "mines").code == 0
    run = cli("watch", "add", "w", "mines")
    assert run.code == 2 and "exists" in run.err
    assert cli("watch", "remove", "w").code == 0
    assert cli("watch", "remove", "w").code == 2


def test_alerts_across_polls_neither_repeat_nor_skip(cli, isolated):
    with feed_server() as server:
        server.route("/a.xml", rss([Item("a-1", "Mines cleared in Laos")]))
        server.route("/b.xml", rss([Item("b-1", "Mine victims in Angola")]))
        write_feeds(isolated, (server.url("/a.xml"), "A", "relevant"),
                    (server.url("/b.xml"), "B", "relevant"))
        cli("poll")
        assert cli("watch", "add", "mines", "mines").code == 0
        # nothing new since the watch was saved: quiet
        run, found = alerts_of(cli)
        assert found == {}
        assert cli("poll", "--alerts", "--quiet").out == ""
        server.route("/a.xml", rss([Item("a-1", "Mines cleared in Laos"),
                                    Item("a-2", "Mines found near school")]))
        run, found = alerts_of(cli)
        assert found == {"mines": ["Mines found near school"]}
        # feed B fails while A brings a new story: the new one is alerted, once
        server.route("/b.xml", "down", status=500)
        server.route("/a.xml", rss([Item("a-2", "Mines found near school"),
                                    Item("a-3", "Mines laid on border")]))
        run, found = alerts_of(cli)
        assert run.code == 1 and found == {"mines": ["Mines laid on border"]}
        server.route("/b.xml", rss([Item("b-1", "Mine victims in Angola"),
                                    Item("b-2", "Mine risk lessons")]))
        text = cli("poll", "--alerts", "--force", "--quiet")
        assert "watch mines: 1 new story" in text.out and "Mine risk lessons" in text.out
        run, found = alerts_of(cli)
        assert found == {}


def test_watch_feed_is_valid_atom_and_round_trips_titles(cli, isolated):
    fill({"Wire": [
        item("x", "<b>Mines</b> & 'treaty' [bold]x[/bold]", "mines text",
             "2025-06-29T10:00:00Z"),
        item("y", "Мины на границе: mines", "Україна mines", "2025-06-30T10:00:00Z"),
    ]})
    cli("watch", "add", "all", "mines")
    out = isolated / "all.xml"
    assert cli("watch", "feed", "all", "-o", str(out)).code == 0
    parsed = feedparser.parse(out.read_bytes())
    assert not parsed.bozo and parsed.version == "atom10"
    assert {e.title for e in parsed.entries} == {
        "<b>Mines</b> & 'treaty' [bold]x[/bold]", "Мины на границе: mines"}


def test_opml_import_merges_without_duplicates_and_exports(cli, isolated):
    (isolated / "feeds.yaml").write_text(feeds_yaml(("https://one.example/rss", "One", "all")))
    (isolated / "reader.opml").write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        '<outline text="News"><outline type="rss" text="One again" '
        'xmlUrl="https://ONE.example/rss"/><outline type="rss" title="Two" '
        'xmlUrl="https://two.example/feed"/></outline></body></opml>')
    run = cli("feeds", "import", "reader.opml")
    assert run.code == 0 and "1 added, 1 already" in run.out and "Two" in run.out
    feeds = yaml.safe_load((isolated / "feeds.yaml").read_text())["feeds"]
    assert [f["url"] for f in feeds] == ["https://one.example/rss", "https://two.example/feed"]
    assert (isolated / "feeds.yaml.bak").exists()
    opml = cli("feeds", "export", "--format", "opml").out
    assert "https://two.example/feed" in opml and opml.startswith("<?xml")
    assert "two.example" in cli("feeds", "export", "--format", "yaml").out
    (isolated / "broken.opml").write_text("<opml><body>")
    run = cli("feeds", "import", "broken.opml")
    assert run.code == 2 and "not an OPML file" in run.err
    (isolated / "odd.opml").write_text(
        '<opml version="2.0"><body><outline text="Mail" xmlUrl="mailto:desk@example.org"/>'
        '<outline text="Port" xmlUrl="https://three.example:99999/rss"/></body></opml>')
    run = cli("feeds", "import", "odd.opml")
    assert run.code == 0 and "0 added, 0 already in" in run.out and "2 not added" in run.out
    assert "not added: 'mailto:desk@example.org': not a web address" in run.out


def test_arguments_the_terminal_could_not_decode_are_one_line_errors(cli, isolated):
    fill({"Wire": [item("a", "Mines in Ukraine", "Deminers at work.", "2025-06-27T10:00:00Z",
                        tags=(("country", "UA", "Ukraine"),))]}).close()
    undecoded = "x\udcff"  # how Python keeps the byte 0xff from an argv it cannot decode
    for args in (("search", "mines", "--source", undecoded), ("watch", "show", undecoded),
                 ("watch", "add", "ok", "mines", "--source", undecoded)):
        run = cli(*args)
        assert run.code == 2, (args, run.err)
        assert run.err == "minewatch: 'x\\udcff' is not valid UTF-8 text\n"
    for name in (undecoded, "tab\there"):
        run = cli("watch", "add", name, "mines")
        assert run.code == 2 and run.err.startswith("minewatch: a watch name is printable text")
    assert cli("watch", "list", "--format", "json").out.strip() == "[]"
