"""The feeds file and the database path: where they are, and what a valid feeds file holds."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from minewatch.byteorder import bom_encoding
from minewatch.errors import ConfigError
from minewatch.models import FeedSpec
from minewatch.timeutil import parse_span
from minewatch.urls import feed_url_key, is_web_address, without_password
from minewatch.userfiles import read_limited

DEFAULT_DB = Path("data") / "minewatch.db"
MAX_INTERVAL = 365 * 86400.0  # a feed polled less than once a year is a feed to remove
MAX_NAME = 200  # characters: a name is a label in tables and on every failure line
DEFAULT_FEEDS = Path("feeds.yaml")
KEEP_VALUES = ("relevant", "all")
FEED_KEYS = ("url", "name", "keep", "interval")


def db_path(option: str | Path | None = None) -> Path:
    """--db, else MINEWATCH_DB, else data/minewatch.db under the current folder."""
    return Path(option or os.environ.get("MINEWATCH_DB") or DEFAULT_DB)


def feeds_path(option: str | Path | None = None) -> Path:
    """--feeds, else MINEWATCH_FEEDS, else feeds.yaml in the current folder."""
    return Path(option or os.environ.get("MINEWATCH_FEEDS") or DEFAULT_FEEDS)


def default_feeds_text() -> str:
    """The default list shipped inside the package (the same as the repository's feeds.yaml)."""
    return resources.files("minewatch").joinpath("default_feeds.yaml").read_text("utf-8")


def load_feeds(path: Path) -> list[FeedSpec]:
    try:
        data = read_limited(path, str(path), "a feeds file")
    except FileNotFoundError:
        raise ConfigError(
            f"feeds file not found: {path} (write the default list with `minewatch feeds init`)"
        ) from None
    except OSError as exc:  # a folder, no permission, a loop of symbolic links
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_feeds(_decoded(data, path), str(path))


def _decoded(data: bytes, path: Path) -> str:
    """The file's text: UTF-8, or UTF-16/32 with a byte-order mark, as YAML allows (an
    editor's "Unicode" is UTF-16)."""
    encoding = bom_encoding(data) or "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1 if encoding == "utf-8-sig" else None
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(f"{where}: not UTF-8 text (byte 0x{data[exc.start]:02x}): save the "
                          "file as UTF-8") from None


def parse_feeds(text: str, where: str) -> list[FeedSpec]:
    """Validate a feeds file; every error names its line, so a user can fix it at once."""
    import yaml  # here, not at the top: commands that only read the database skip it

    try:
        # libyaml when PyYAML has it: a 500-feed file in 7 ms instead of 70
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        try:  # the Python parser has the last word, and messages that quote what it found
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "not valid YAML"
            raise ConfigError(f"{where}{line}: {problem}") from None
    if root is None:
        raise ConfigError(f"{where}: empty feeds file (expected a `feeds:` list)")
    feeds_node = _mapping_value(root, "feeds", where)
    if not isinstance(feeds_node, yaml.SequenceNode):
        raise ConfigError(f"{where}:{feeds_node.start_mark.line + 1}: `feeds` must be a list")
    specs: list[FeedSpec] = []
    url_lines: dict[str, int] = {}
    name_lines: dict[str, int] = {}
    for item in feeds_node.value:
        spec = _feed_spec(item, where)
        key = feed_url_key(spec.url)  # "HTTP://Host/rss/" and "http://host/rss" are one feed
        if key in url_lines:
            raise ConfigError(f"{where}:{spec.line}: duplicate url {without_password(spec.url)} "
                              f"(the feed on line {url_lines[key]})")
        if spec.name in name_lines:  # output, export and --source tell feeds apart by name
            raise ConfigError(f"{where}:{spec.line}: duplicate name {spec.name!r} (also on line "
                              f"{name_lines[spec.name]}): give each feed its own")
        url_lines[key] = spec.line
        if spec.name:
            name_lines[spec.name] = spec.line
        specs.append(spec)
    return specs


def _mapping_value(root: Any, key: str, where: str) -> Any:
    import yaml

    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{where}:{root.start_mark.line + 1}: expected a mapping with `feeds:`")
    for key_node, value_node in root.value:
        if key_node.value == key:
            return value_node
    raise ConfigError(f"{where}:{root.start_mark.line + 1}: missing `feeds:` list")


def _feed_spec(node: Any, where: str) -> FeedSpec:
    import yaml

    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{where}:{line}: each feed must be a mapping with at least `url:`")
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}  # where each key is: a wrong value is named on its own line
    for key_node, value_node in node.value:
        key = str(key_node.value)
        at = key_node.start_mark.line + 1
        if key not in FEED_KEYS:
            raise ConfigError(
                f"{where}:{at}: unknown key {key!r} (a feed takes {', '.join(FEED_KEYS)})"
            )
        if not isinstance(value_node, yaml.ScalarNode):
            raise ConfigError(f"{where}:{at}: `{key}` must be a single value")
        if key in fields:
            raise ConfigError(f"{where}:{at}: `{key}` given twice for one feed")
        fields[key] = str(value_node.value).strip()
        lines[key] = at

    def spot(key: str) -> str:
        return f"{where}:{lines.get(key, line)}"

    url = fields.get("url", "")
    if not url:
        raise ConfigError(f"{where}:{line}: feed has no `url`")
    if not url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"{spot('url')}: url must start with http:// or https://: "
                          f"{without_password(url)}")
    if not is_web_address(url):
        raise ConfigError(
            f"{spot('url')}: url has no host, a bad port, or a space or control character: "
            f"{without_password(url)!r}"
        )
    keep = fields.get("keep") or "relevant"
    if keep not in KEEP_VALUES:
        raise ConfigError(f"{spot('keep')}: keep must be `relevant` or `all`, not {keep!r}")
    interval = None
    if fields.get("interval"):
        interval = parse_span(fields["interval"])
        if interval is None or interval <= 0:
            raise ConfigError(
                f"{spot('interval')}: interval {fields['interval']!r} is not a span like 30m, "
                "1h, 1d"
            )
        if interval > MAX_INTERVAL:
            raise ConfigError(f"{spot('interval')}: interval {fields['interval']!r} is over 365d")
    if len(fields.get("name", "")) > MAX_NAME:
        raise ConfigError(f"{spot('name')}: name is over {MAX_NAME} characters: shorten it")
    # A feed without a name is shown by its url: never with the password it may carry
    shown = without_password(url)
    name = fields.get("name") or (shown if shown != url else None)
    return FeedSpec(url=url, name=name, keep=keep, interval=interval, line=line)
