"""`minewatch poll` end to end: a real HTTP server on 127.0.0.1, a real SQLite file."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from feedgen import OFF_TOPIC_SUMMARY, Item, feeds_yaml, rss
from feedserver import feed_server

from minewatch.store import QUERY_INDEXES


def db_rows(sql: str) -> list[tuple]:
    with sqlite3.connect(os.environ["MINEWATCH_DB"]) as conn:
        return conn.execute(sql).fetchall()


def write_feeds(tmp: Path, *entries: tuple[str, str, str]) -> str:
    path = tmp / "feeds.yaml"
    path.write_text(feeds_yaml(*entries))
    return str(path)


def poll_json(cli, *extra: str):
    run = cli("poll", "--format", "json", *extra)
    return run, json.loads(run.out)


def test_first_poll_stores_relevant_then_second_poll_stores_nothing(cli, isolated):
    items = [Item("a-1", "Mines cleared near Kharkiv"),
             Item("a-2", "Gold miner profits", summary=OFF_TOPIC_SUMMARY)]
    with feed_server() as server:
        server.route("/wire.xml", rss(items), etag='"v1"')
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"))
        run, summary = poll_json(cli)
        assert run.code == 0
        assert summary["new_stories"] == 1 and summary["ok"] == 1 and summary["errors"] == []
        run, summary = poll_json(cli)
        assert run.code == 0
        assert summary["new_stories"] == 0 and summary["not_modified"] == 1
        second = server.requests_to("/wire.xml")[1]
        assert second.headers["if-none-match"] == '"v1"'
        assert second.headers["user-agent"].startswith("minewatch/")
    assert db_rows("SELECT title FROM stories") == [("Mines cleared near Kharkiv",)]
    kinds = {k for (k,) in db_rows("SELECT DISTINCT kind FROM tags")}
    assert "mine_type" in kinds
    assert db_rows("PRAGMA journal_mode") == [("wal",)]
    # the first poll left the query indexes out until its end, and built them there
    indexes = {name for (name,) in db_rows("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert set(QUERY_INDEXES) <= indexes
    assert db_rows("SELECT * FROM meta WHERE key = 'deferred_indexes'") == []


def test_a_poll_gives_the_garbage_collector_back_as_it_found_it(cli, isolated):
    """The poll collects less often while it runs; a program using the library keeps its own
    settings afterwards, and nothing stays frozen out of the collector's reach."""
    before = gc.get_threshold()
    with feed_server() as server:
        server.route("/wire.xml", rss([Item("a-1", "Mines cleared near Kharkiv")]))
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"))
        run, summary = poll_json(cli)
    assert run.code == 0 and summary["new_stories"] == 1
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def _stored_clusters() -> dict[str, str]:
    """Each relevant story's guid -> the guid of the story whose id names its cluster."""
    rows = db_rows("SELECT s.guid, c.guid FROM stories s LEFT JOIN stories c "
                   "ON c.id = s.cluster_id WHERE s.relevant = 1")
    return dict(rows)


def _groups(clusters: dict[str, str]) -> set[frozenset[str]]:
    members: dict[str, set[str]] = {}
    for guid, cluster_guid in clusters.items():
        members.setdefault(cluster_guid, set()).add(guid)
    return {frozenset(group) for group in members.values()}


def test_cluster_ids_written_in_batches_are_those_of_one_pass(cli, isolated, monkeypatch):
    """The poll places its stories batch by batch while a worker stores the batch before;
    the clusters are those of placing them all in one pass, and a poll that reads no body
    (so starts no worker) still places what an interrupted one left unplaced."""
    from minewatch import store as store_module
    from minewatch.cluster import ClusterDoc, cluster

    monkeypatch.setattr(store_module, "CLUSTER_BATCH", 2)
    places = ["Kharkiv", "Battambang", "Mosul", "Tete", "Jaffna", "Herat", "Sarajevo"]
    wire = [Item(f"w-{i}", f"Deminers clear anti-personnel mines near {place}",
                 date=f"Tue, 10 Jun 2025 0{i}:00:00 +0000") for i, place in enumerate(places)]
    copies = [Item(f"c-{i}", it.title, date=f"Tue, 10 Jun 2025 0{i}:30:00 +0000")
              for i, it in enumerate(wire)]
    with feed_server() as server:
        server.route("/wire.xml", rss(wire), etag='"w"')
        server.route("/copies.xml", rss(copies), etag='"c"')
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"),
                    (server.url("/copies.xml"), "Copies", "relevant"))
        run, summary = poll_json(cli)
        assert run.code == 0 and summary["new_stories"] == 14
        stored = _stored_clusters()
        assert None not in stored.values()
        rows = db_rows("SELECT id, title, summary, published FROM stories WHERE relevant = 1")
        ids = dict(db_rows("SELECT id, guid FROM stories"))
        in_one_pass = cluster([ClusterDoc(i, t, s, p, "") for i, t, s, p in rows])
        assert _groups(stored) == _groups({ids[i]: ids[c] for i, c in in_one_pass.items()})
        assert {stored[f"c-{i}"] for i in range(len(places))} == {
            stored[f"w-{i}"] for i in range(len(places))}  # each copy is with its wire story
        with sqlite3.connect(os.environ["MINEWATCH_DB"]) as conn:
            conn.execute("UPDATE stories SET cluster_id = NULL")  # as if killed before
        run, summary = poll_json(cli)
        assert run.code == 0 and summary["not_modified"] == 2
    assert _stored_clusters() == stored


def test_keep_all_and_one_story_through_two_feeds_is_stored_once(cli, isolated):
    shared = Item("https://wire.example/story/1", "Landmine blast kills two in Cambodia")
    with feed_server() as server:
        server.route("/a.xml", rss([shared]))
        server.route("/b.xml", rss([shared, Item("b-2", "Gold prices", OFF_TOPIC_SUMMARY)]))
        write_feeds(isolated, (server.url("/a.xml"), "Alpha", "relevant"),
                    (server.url("/b.xml"), "Beta", "all"))
        run, summary = poll_json(cli)
    assert run.code == 0 and summary["new_stories"] == 2
    assert db_rows("SELECT COUNT(*) FROM stories") == [(2,)]
    assert db_rows("SELECT COUNT(*) FROM story_feeds") == [(3,)]
    export = [json.loads(line) for line in cli("export").out.splitlines()]
    # the feeds are fetched at once, so either may be the first to store the shared story
    by_guid = {e["guid"]: e for e in export}
    assert by_guid["b-2"]["feed"] == "Beta" and by_guid[shared.guid]["feed"] in {"Alpha", "Beta"}
    shown = json.loads(cli("show", str(by_guid[shared.guid]["id"]), "--format", "json").out)
    assert sorted(s["source"] for s in shown["sources"]) == ["Alpha", "Beta"]


def test_a_changed_feed_adds_its_new_story_and_leaves_the_stored_ones_as_they_are(
        cli, isolated):
    old = [Item("c-1", "Mines cleared near Kharkiv", link="https://wire.example/c-1"),
           Item("c-2", "Gold prices", summary=OFF_TOPIC_SUMMARY,
                link="https://wire.example/c-2")]
    with feed_server() as server:
        server.route("/a.xml", rss(old), etag='"v1"')
        write_feeds(isolated, (server.url("/a.xml"), "Alpha", "all"))
        assert poll_json(cli)[1]["new_stories"] == 2
        stories = "SELECT id, guid, relevant, tagger_version, fingerprint FROM stories ORDER BY id"
        labels = "SELECT story_id, kind, value, start FROM tags ORDER BY 1, 2, 3, 4"
        stored, tagged = db_rows(stories), db_rows(labels)
        server.route("/a.xml", rss([Item("c-3", "Landmine blast in Cambodia"), *old]),
                     etag='"v2"')
        server.route("/b.xml", rss(old))  # a new feed carrying both, keeping relevant ones
        write_feeds(isolated, (server.url("/a.xml"), "Alpha", "all"),
                    (server.url("/b.xml"), "Beta", "relevant"))
        run, summary = poll_json(cli)
    assert run.code == 0 and summary["new_stories"] == 1
    assert db_rows(stories)[:2] == stored
    assert [row for row in db_rows(labels) if row[0] in {s[0] for s in stored}] == tagged
    assert db_rows("SELECT s.guid, f.name FROM story_feeds j JOIN stories s ON s.id = j.story_id "
                   "JOIN feeds f ON f.id = j.feed_id ORDER BY 1, 2") == [
        ("c-1", "Alpha"), ("c-1", "Beta"), ("c-2", "Alpha"), ("c-3", "Alpha")]
    (new_id,) = db_rows("SELECT id FROM stories WHERE guid = 'c-3'")[0]
    assert db_rows(f"SELECT COUNT(*) FROM tags WHERE story_id = {new_id}")[0][0] > 0


def test_a_password_in_a_feed_url_is_sent_but_never_shown(cli, isolated):
    with feed_server() as server:
        server.route("/private.xml", "", status=401)
        url = server.url("/private.xml").replace("://", "://reader:s3cret@")
        (isolated / "feeds.yaml").write_text(f"feeds:\n  - url: {url}\n")
        run = cli("poll")
        [request] = server.requests_to("/private.xml")
    assert request.headers["authorization"].startswith("Basic ")  # httpx sends it
    shown = url.replace("s3cret", "***")
    assert run.code == 1 and f"failed: {shown}: http 401" in run.out
    for command in (("feeds", "list"), ("digest",)):
        out = cli(*command).out
        assert "s3cret" not in out and shown in out
    [row] = json.loads(cli("feeds", "list", "--format", "json").out)
    assert row["name"] == shown and row["url"] == url  # scripts still get the address to fetch


def test_failing_feed_is_reported_backs_off_and_others_are_stored(cli, isolated):
    with feed_server() as server:
        server.route("/good.xml", rss([Item("g-1", "Mine clearance in Laos")]))
        server.route("/bad.xml", "oops", status=500)
        write_feeds(isolated, (server.url("/good.xml"), "Good", "relevant"),
                    (server.url("/bad.xml"), "Bad", "relevant"))
        run, summary = poll_json(cli)
        assert run.code == 1
        assert summary["errors"] == [{"feed": "Bad", "error": "http 500"}]
        assert summary["new_stories"] == 1
        text = cli("poll")
        assert text.code == 1 and "failed: Bad: http 500" in text.out
        # two failures in a row: the feed now waits, but its error still shows on every poll
        quiet = cli("poll", "--quiet")
        assert quiet.code == 1 and quiet.out.strip().startswith("failed: Bad: http 500")
        assert len(server.requests_to("/bad.xml")) == 2
    feeds = json.loads(cli("feeds", "list", "--format", "json").out)
    bad = next(f for f in feeds if f["name"] == "Bad")
    assert bad["error_count"] == 2 and bad["last_error"] == "http 500" and bad["next_poll"]


def test_a_feed_taken_out_of_the_file_keeps_its_stories_and_stops_being_reported(cli, isolated):
    with feed_server() as server:
        server.route("/good.xml", rss([Item("g-1", "Mine clearance in Laos")]))
        server.route("/old.xml", rss([Item("o-1", "Minefield mapped in Angola")]))
        server.route("/bad.xml", "oops", status=500)
        write_feeds(isolated, (server.url("/good.xml"), "Good", "relevant"),
                    (server.url("/old.xml"), "Old", "relevant"),
                    (server.url("/bad.xml"), "Bad", "relevant"))
        assert cli("poll").code == 1
        digest = json.loads(cli("digest", "--format", "json").out)
        assert [f["feed"] for f in digest["failing_feeds"]] == ["Bad"]
        write_feeds(isolated, (server.url("/good.xml"), "Good", "relevant"))
        run = cli("poll")
        assert run.code == 0 and "Bad" not in run.out
    feeds = {f["name"]: f for f in json.loads(cli("feeds", "list", "--format", "json").out)}
    assert [name for name, f in feeds.items() if not f["listed"]] == ["Bad", "Old"]
    assert feeds["Old"]["stories"] == 1 and feeds["Bad"]["last_error"] == "http 500"
    assert json.loads(cli("digest", "--format", "json").out)["failing_feeds"] == []
    table = cli("feeds", "list").out
    assert table.count("not in file") == 2
    assert len(json.loads(cli("search", "Angola", "--format", "json").out)) == 1


def test_quiet_poll_prints_nothing_when_all_is_well(cli, isolated):
    with feed_server() as server:
        server.route("/wire.xml", rss([Item("q-1", "Mines cleared")]))
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"))
        run = cli("poll", "--quiet")
    assert run.code == 0 and run.out == "" and run.err == ""


def test_max_mb_raises_the_cap_for_a_large_feed(cli, isolated):
    story = Item("big-1", "Mines cleared", summary="Demining teams cleared mines. " * 50_000)
    body = rss([story])
    assert 1_000_000 < len(body) < 2_000_000
    with feed_server() as server:
        server.route("/big.xml", body)
        write_feeds(isolated, (server.url("/big.xml"), "Big", "all"))
        run, summary = poll_json(cli, "--max-mb", "1")
        assert run.code == 1 and summary["errors"][0]["error"] == "too large: over 1 MB"
        run, summary = poll_json(cli, "--max-mb", "2")  # the failure's back-off is 0 at first
        assert run.code == 0 and summary["new_stories"] == 1
    assert cli("poll", "--max-mb", "0").code == 2


def test_a_feed_that_cannot_be_stored_stops_the_poll_without_blaming_the_others(cli, isolated):
    slow = [f"/slow{n}.xml" for n in range(8)]
    with feed_server() as server:
        for path in ["/fine.xml", *slow]:
            server.route(path, rss([Item(f"{path}-1", "Mines cleared")]))
        write_feeds(isolated, *[(server.url(path), path, "all") for path in ["/fine.xml", *slow]])
        poll_json(cli)
        with sqlite3.connect(os.environ["MINEWATCH_DB"]) as conn:  # as a full disk would
            conn.execute("CREATE TRIGGER no_room BEFORE INSERT ON stories "
                         "BEGIN SELECT RAISE(ABORT, 'no room'); END")
        conn.close()
        server.route("/fine.xml", rss([Item("fine-2", "Mines cleared again")]))
        for path in slow:  # still arriving when the first feed fails to store
            server.route(path, rss([Item(f"{path}-2", "Mines cleared again")]), drip=0.005)
        run = cli("poll")
    assert run.code == 1 and "no room" in run.err
    errors = db_rows("SELECT last_error FROM feeds WHERE last_error IS NOT NULL")
    assert errors == []  # the others were cancelled, not failed


def test_retry_after_is_honoured_until_force(cli, isolated):
    with feed_server() as server:
        server.route("/busy.xml", "slow down", status=429, headers={"Retry-After": "3600"})
        write_feeds(isolated, (server.url("/busy.xml"), "Busy", "relevant"))
        run, summary = poll_json(cli)
        assert run.code == 1 and summary["errors"][0]["error"] == "http 429"
        run, summary = poll_json(cli)
        assert summary["skipped"] == 1 and "next try" in summary["errors"][0]["error"]
        assert len(server.requests_to("/busy.xml")) == 1
        server.route("/busy.xml", rss([Item("b-1", "Mines cleared")]))
        run, summary = poll_json(cli, "--force")
        assert run.code == 0 and summary["new_stories"] == 1


def test_permanent_redirect_is_recorded_shown_and_followed(cli, isolated):
    with feed_server() as server:
        server.redirect("/old.xml", "/new.xml", status=301)
        server.route("/new.xml", rss([Item("m-1", "Mine victims rise")]))
        write_feeds(isolated, (server.url("/old.xml"), "Mover", "relevant"))
        text = cli("poll")
        assert text.code == 0 and f"now at {server.url('/new.xml')}" in text.out
        cli("poll")
        assert len(server.requests_to("/old.xml")) == 1  # the second poll went straight there
        assert len(server.requests_to("/new.xml")) == 2
    feeds = json.loads(cli("feeds", "list", "--format", "json").out)
    assert feeds[0]["moved_to"].endswith("/new.xml")


def test_gone_feed_is_skipped_until_force(cli, isolated):
    with feed_server() as server:
        server.route("/gone.xml", "gone", status=410)
        write_feeds(isolated, (server.url("/gone.xml"), "Gone", "relevant"))
        assert cli("poll").code == 1
        run, summary = poll_json(cli)
        assert run.code == 1 and "until --force" in summary["errors"][0]["error"]
        assert len(server.requests_to("/gone.xml")) == 1
        cli("poll", "--force")
        assert len(server.requests_to("/gone.xml")) == 2


def one_item_without_link(title: str, guid: str) -> str:
    """A feed of one off-topic item with this <guid> element and no <link>."""
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
            f"<title>{title}</title>{guid}<description>{OFF_TOPIC_SUMMARY}</description>"
            "</item></channel></rss>")


@pytest.mark.parametrize(("guid", "sites"), [
    ("<guid>1</guid>", 1),  # two feeds of one site numbering their items alike (some CMSs)
    ('<guid isPermaLink="true">/episodes/1</guid>', 2),  # one path from two sites' roots
    ('<guid isPermaLink="false">news/2025/1</guid>', 2),  # a relative path, likewise
], ids=["numbered-on-one-site", "root-path-on-two-sites", "relative-path-on-two-sites"])
def test_two_feeds_giving_one_guid_unique_only_at_home_keep_both(cli, isolated, guid, sites):
    titles = ("Budget passes", "Cup final tonight")
    with feed_server() as one, feed_server() as other:
        servers = (one, other if sites == 2 else one)
        for server, path, title in zip(servers, ("/a.xml", "/b.xml"), titles, strict=True):
            server.route(path, one_item_without_link(title, guid))
        write_feeds(isolated, (servers[0].url("/a.xml"), "A", "all"),
                    (servers[1].url("/b.xml"), "B", "all"))
        run, summary = poll_json(cli)
    assert summary["new_stories"] == 2
    assert sorted(t for (t,) in db_rows("SELECT title FROM stories")) == list(titles)


def test_a_feed_linking_every_item_to_one_page_keeps_every_item(cli, isolated):
    press = [Item(f"https://gov.example/r/{n}", f"Release {n} on mine clearance",
                  link="https://gov.example/press/") for n in range(3)]
    wire = Item("wire-1", "Release 0 on mine clearance", link="https://gov.example/r/0")
    own = Item("site-0", "Release 0 on mine clearance", link="https://gov.example/r/0")
    with feed_server() as server:
        server.route("/press.xml", rss(press))
        server.route("/wire.xml", rss([wire]))
        server.route("/site.xml", rss([own, Item("s-9", "Other news", OFF_TOPIC_SUMMARY)]))
        write_feeds(isolated, (server.url("/press.xml"), "Press", "all"),
                    (server.url("/wire.xml"), "Wire", "all"),
                    (server.url("/site.xml"), "Site", "all"))
        run, summary = poll_json(cli)
    titles = sorted(t for (t,) in db_rows("SELECT title FROM stories"))
    # the three releases are three stories; the wire copy matches the site's own page by link
    assert titles == ["Other news", "Release 0 on mine clearance", "Release 0 on mine clearance",
                      "Release 1 on mine clearance", "Release 2 on mine clearance"]
    assert summary["new_stories"] == 5
    assert db_rows("SELECT COUNT(*) FROM story_feeds GROUP BY story_id HAVING COUNT(*) > 1") == [
        (2,)]  # the wire copy and the site's own item


def test_a_304_to_a_first_fetch_fails_the_feed_at_every_poll(cli, isolated):
    with feed_server() as server:
        server.route("/stuck.xml", status=304, content_type=None)
        write_feeds(isolated, (server.url("/stuck.xml"), "Stuck", "all"))
        for _ in range(2):
            run, summary = poll_json(cli, "--force")  # --force: past the back-off at once
            assert run.code == 1 and summary["failed"] == 1 and summary["not_modified"] == 0
            assert summary["errors"] == [
                {"feed": "Stuck", "error": "http 304 to an unconditional request"}]
    assert db_rows("SELECT error_count, last_success FROM feeds") == [(2, None)]


def test_a_feed_switched_to_keep_all_is_read_in_full_at_the_next_poll(cli, isolated):
    items = [Item("k-1", "Mines cleared"), Item("k-2", "Gold prices", OFF_TOPIC_SUMMARY)]
    with feed_server() as server:
        server.route("/wire.xml", rss(items), etag='"v1"')
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"))
        assert poll_json(cli)[1]["new_stories"] == 1
        assert poll_json(cli)[1]["not_modified"] == 1  # 304: the validators work
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "all"))
        run, summary = poll_json(cli)
        assert summary["ok"] == 1 and summary["new_stories"] == 1  # the off-topic entry
        assert "if-none-match" not in server.requests_to("/wire.xml")[-1].headers
        assert poll_json(cli)[1]["not_modified"] == 1  # and conditional again after that
    assert sorted(t for (t,) in db_rows("SELECT title FROM stories")) == [
        "Gold prices", "Mines cleared"]


def test_a_feed_cut_short_keeps_its_entries_and_is_read_whole_next_time(cli, isolated):
    whole = rss([Item(f"cut-{n}", f"Mines cleared in district {n}") for n in range(4)])
    cut = whole[: whole.index("<item>", whole.index("cut-2"))]  # three items, channel open
    with feed_server() as server:
        server.route("/wire.xml", cut, etag='"v1"')  # the same ETag as the whole: a proxy's cut
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"))
        assert poll_json(cli)[1]["new_stories"] == 3
        server.route("/wire.xml", whole, etag='"v1"')
        run, summary = poll_json(cli)
        assert "if-none-match" not in server.requests_to("/wire.xml")[-1].headers
        assert summary["new_stories"] == 1
        assert poll_json(cli)[1]["not_modified"] == 1  # the whole body is remembered
    assert db_rows("SELECT COUNT(*) FROM stories") == [(4,)]


def test_an_entry_cut_in_the_middle_is_not_stored_half_and_comes_whole_next_time(cli, isolated):
    whole = rss([Item(f"cut-{n}", f"Mines cleared in district {n}",
                      summary=f"Deminers cleared fields in district {n} this week.")
                 for n in range(4)])
    cut = whole[: whole.index("Deminers", whole.index("cut-2"))]  # inside the third item
    with feed_server() as server:
        server.route("/wire.xml", cut)
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "all"))
        assert poll_json(cli)[1]["new_stories"] == 2  # the two whole items
        server.route("/wire.xml", whole)
        assert poll_json(cli)[1]["new_stories"] == 2
    stored = db_rows("SELECT guid, summary FROM stories ORDER BY guid")
    assert [guid for guid, _ in stored] == ["cut-0", "cut-1", "cut-2", "cut-3"]
    assert all(summary.startswith("Deminers cleared fields") for _, summary in stored)


def test_a_parser_failing_on_one_body_fails_that_feed_and_the_poll_goes_on(
    cli, isolated, monkeypatch
):
    from minewatch import pipeline

    real = pipeline.process_body

    def failing_on_the_odd_feed(body, *args, **kwargs):  # a bug feedparser might have
        if b"odd-1" in body:
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(body, *args, **kwargs)

    monkeypatch.setattr(pipeline, "process_body", failing_on_the_odd_feed)  # workers fork
    with feed_server() as server:
        server.route("/odd.xml", rss([Item("odd-1", "Mines cleared in Angola")]))
        server.route("/fine.xml", rss([Item("f-1", "Mines cleared in Laos")]))
        write_feeds(isolated, (server.url("/odd.xml"), "Odd", "all"),
                    (server.url("/fine.xml"), "Fine", "all"))
        run, summary = poll_json(cli)
        assert summary["errors"] == [{"feed": "Odd", "error": "parsing failed: "
                                      "UnicodeEncodeError"}]
        assert summary["new_stories"] == 1 and run.code == 1
        monkeypatch.setattr(pipeline, "process_body", real)
        run, summary = poll_json(cli, "--force")  # nothing of it was written: read again
    assert summary["new_stories"] == 1 and run.code == 0
    assert db_rows("SELECT guid FROM stories ORDER BY guid") == [("f-1",), ("odd-1",)]


def test_a_body_that_drives_the_parser_into_a_slow_path_fails_on_its_cpu_budget(
    cli, isolated, monkeypatch
):
    from minewatch import poll

    monkeypatch.setattr(poll, "PARSE_CPU_MIN", 1)  # the workers fork with these
    monkeypatch.setattr(poll, "PARSE_CPU_PER_MB", 0)
    attributes = " ".join(f'a{n}="1"' for n in range(30_000))  # quadratic in feedparser
    slow = ('<?xml version="1.0"?><rss version="2.0"><channel>'
            f"<item {attributes}><title>Mines cleared</title></item></channel></rss>")
    with feed_server() as server:
        server.route("/slow.xml", slow)
        server.route("/fine.xml", rss([Item("f-1", "Mines cleared in Laos")]))
        write_feeds(isolated, (server.url("/slow.xml"), "Slow", "all"),
                    (server.url("/fine.xml"), "Fine", "all"))
        started = time.monotonic()
        run, summary = poll_json(cli)
    assert time.monotonic() - started < 10  # feedparser alone takes about 30 s on it
    assert summary["errors"] == [{"feed": "Slow", "error": "parsing took over 1 s of CPU"}]
    assert summary["new_stories"] == 1 and run.code == 1


def test_unchanged_body_without_validators_counts_as_not_modified(cli, isolated):
    with feed_server() as server:
        server.route("/plain.xml", rss([Item("p-1", "Minefield survey")]))
        write_feeds(isolated, (server.url("/plain.xml"), "Plain", "relevant"))
        poll_json(cli)
        run, summary = poll_json(cli)
    assert summary["not_modified"] == 1 and summary["new_stories"] == 0


def test_feeds_file_errors_name_the_line_and_exit_2(cli, isolated):
    (isolated / "feeds.yaml").write_text("feeds:\n  - url: https://a.example/rss\n    kep: all\n")
    run = cli("poll")
    assert run.code == 2 and "feeds.yaml:3" in run.err and "kep" in run.err
    assert "Traceback" not in run.err
    (isolated / "feeds.yaml").write_text("feeds:\n  - name: No url\n")
    run = cli("poll")
    assert run.code == 2 and "feeds.yaml:2" in run.err and "url" in run.err
    # a wrong value is named on its own line, not the feed's first
    (isolated / "feeds.yaml").write_text(
        "feeds:\n  - name: A\n    url: https://a.example/\n    keep: some\n")
    run = cli("poll")
    assert run.code == 2 and "feeds.yaml:4: keep must be" in run.err
    (isolated / "feeds.yaml").write_text(
        "feeds:\n  - url: https://a.example/\n    interval: 99999999999d\n")
    run = cli("poll")
    assert run.code == 2 and "feeds.yaml:3" in run.err and "over 365d" in run.err
    (isolated / "feeds.yaml").write_text("feeds:\n  - keep: all\n    url: ftp://a.example/\n")
    run = cli("poll")
    assert run.code == 2 and "feeds.yaml:3: url must start with" in run.err
    (isolated / "feeds.yaml").write_text(
        f"feeds:\n  - url: https://a.example/\n    name: {'N' * 201}\n")
    run = cli("poll")
    assert run.err == "minewatch: feeds.yaml:3: name is over 200 characters: shorten it\n"
    (isolated / "feeds.yaml").write_text(
        "feeds:\n  - url: https://a.example/\n    keep: all\n    url: https://b.example/\n")
    run = cli("poll")
    assert run.code == 2 and "feeds.yaml:4" in run.err and "`url` given twice" in run.err
    for bad in ("http://127.0.0.1:99999/rss", "https://[::1/rss", "https:///rss",
                "https://a.example/two words"):
        feeds = f"feeds:\n  - url: https://a.example/\n  - url: {bad}\n"
        (isolated / "feeds.yaml").write_text(feeds)
        run = cli("poll")
        assert run.code == 2 and "feeds.yaml:3" in run.err and bad in run.err, run.err


def test_feeds_file_saved_as_utf16_loads_and_one_in_latin1_is_named(isolated):
    from minewatch.config import load_feeds
    from minewatch.errors import ConfigError

    path = isolated / "feeds.yaml"
    text = "feeds:\n  - url: https://a.example/rss\n    name: Café wire\n"
    for encoding in ("utf-16", "utf-32", "utf-8-sig"):  # each with its byte-order mark
        path.write_bytes(text.encode(encoding))
        assert [f.name for f in load_feeds(path)] == ["Café wire"]
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ConfigError) as raised:
        load_feeds(path)
    assert str(raised.value) == f"{path}:3: not UTF-8 text (byte 0xe9): save the file as UTF-8"


@pytest.mark.parametrize("through_a_link", [False, True])
def test_second_poll_exits_3_while_the_lock_is_held(cli, isolated, monkeypatch, through_a_link):
    import subprocess
    import sys

    if through_a_link:  # the second poll names the same database by a symlink
        link = isolated / "link.db"
        link.symlink_to(os.environ["MINEWATCH_DB"])
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from minewatch.lock import poll_lock\n"
         "with poll_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)",
         os.environ["MINEWATCH_DB"]], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        if through_a_link:
            monkeypatch.setenv("MINEWATCH_DB", str(link))
        with feed_server() as server:
            server.route("/wire.xml", rss([Item("l-1", "Mines")]))
            write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"))
            run = cli("poll")
            assert run.code == 3 and "another poll" in run.err
            assert server.requests_to("/wire.xml") == []
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_database_path_that_loops_through_symbolic_links_is_one_line(cli, isolated):
    (isolated / "a.db").symlink_to(isolated / "b.db")
    (isolated / "b.db").symlink_to(isolated / "a.db")
    write_feeds(isolated, ("http://127.0.0.1:9/wire.xml", "Wire", "relevant"))
    run = cli("--db", str(isolated / "a.db"), "poll")
    assert run.code == 2
    loop = isolated / "a.db"
    assert run.err == f"minewatch: {loop} is a loop of symbolic links: give --db a file\n"


def test_hostile_titles_are_stored_clean_and_shown_literally(cli, isolated):
    items = [Item("h-1", "\x1b[31mRed\x1b[0m mines [bold]alert[/bold] \u202eevil"),
             Item("h-2", "<b>Bold</b> &amp; anti-tank mines")]
    with feed_server() as server:
        server.route("/wire.xml", rss(items))
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"))
        cli("poll")
    titles = sorted(t for (t,) in db_rows("SELECT title FROM stories"))
    assert titles == ["Bold & anti-tank mines", "Red mines [bold]alert[/bold] evil"]
    out = cli("search", "mines").out
    assert "[bold]alert[/bold]" in out and "\x1b" not in out and "\u202e" not in out


def test_a_body_that_is_no_feed_writes_nothing_and_is_fetched_again(cli, isolated):
    """The worker that parses a body also stores it; when the body is no feed, it writes
    nothing, and the failure goes on the feed's row with the last good validators kept."""
    with feed_server() as server:
        server.route("/wire.xml", rss([Item("w-1", "Mines cleared near Kharkiv")]), etag='"v1"')
        write_feeds(isolated, (server.url("/wire.xml"), "Wire", "relevant"))
        assert poll_json(cli)[1]["new_stories"] == 1
        server.route("/wire.xml", "<!doctype html><html><body>Maintenance</body></html>",
                     etag='"v2"', content_type="text/html")
        run, summary = poll_json(cli)
        assert run.code == 1 and summary["errors"][0]["error"] == "not a feed: text/html"
        assert db_rows("SELECT etag, error_count, last_error FROM feeds") == [
            ('"v1"', 1, "not a feed: text/html")
        ]
        server.route("/wire.xml", rss([Item("w-1", "Mines cleared near Kharkiv"),
                                       Item("w-2", "Ukraine clears mines in Kherson")]),
                     etag='"v3"')
        run, summary = poll_json(cli)
        assert run.code == 0 and summary["new_stories"] == 1
        assert server.requests_to("/wire.xml")[-1].headers["if-none-match"] == '"v1"'
    assert db_rows("SELECT etag, error_count, last_error FROM feeds") == [('"v3"', 0, None)]
    assert db_rows("SELECT COUNT(*) FROM stories") == [(2,)]


def test_summary_line_counts_one_feed_and_one_story_in_the_singular():
    from minewatch.lines import poll_lines

    summary = {"feeds": 1, "ok": 1, "not_modified": 0, "failed": 0, "skipped": 0,
               "new_stories": 1, "errors": [], "moved": []}
    assert poll_lines(summary, 0.2, quiet=False) == [
        "polled 1 feed in 0.2s: 1 ok, 0 not modified, 0 failed; 1 new story"
    ]
    summary.update(feeds=3, new_stories=0)
    assert poll_lines(summary, 0.2, quiet=False)[0].startswith("polled 3 feeds in")
    assert poll_lines(summary, 0.2, quiet=False)[0].endswith("; 0 new stories")


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "3601"])
def test_a_timeout_that_is_no_number_of_seconds_is_refused(cli, value):
    run = cli("poll", "--timeout", value)
    assert run.code == 2 and run.out == ""
    assert run.err.startswith("minewatch: Invalid value for '--timeout'")
    assert len(run.err.strip().splitlines()) == 1


def test_feeds_of_one_host_share_its_connections(cli, isolated):
    """A publisher serving many feeds answers them over the connections its first answers
    opened: no more connections than requests run at once, not one per feed."""
    feeds = 48
    with feed_server() as server:
        for n in range(feeds):
            story = Item(f"f{n}-1", "Markets rise", summary=OFF_TOPIC_SUMMARY)
            server.route(f"/f{n}.xml", rss([story]), delay=0.02)
        write_feeds(isolated, *[(server.url(f"/f{n}.xml"), f"F{n}", "all") for n in range(feeds)])
        run, summary = poll_json(cli, "--concurrency", "8")
        connections = server.connections
    assert run.code == 0 and summary["ok"] == feeds
    assert connections <= 8


def test_a_kept_connection_the_server_closed_unanswered_costs_the_feed_nothing(cli, isolated):
    """A server may close a connection kept from an earlier answer just as the next request
    goes over it (its keep-alive timeout): that GET is sent once more, on a new connection."""
    with feed_server() as server:
        server.route("/first.xml", rss([Item("a-1", "Mines cleared near Kharkiv")]))
        server.route("/second.xml", rss([Item("b-1", "Minefield mapped near Izium")]),
                     drop_kept=True)
        write_feeds(isolated, (server.url("/first.xml"), "First", "all"),
                    (server.url("/second.xml"), "Second", "all"))
        run, summary = poll_json(cli, "--concurrency", "1")
        asked = len(server.requests_to("/second.xml"))
        connections = server.connections
    assert run.code == 0 and summary["ok"] == 2 and summary["errors"] == []
    assert asked == 2 and connections == 2  # dropped over the kept one, answered over a new one
