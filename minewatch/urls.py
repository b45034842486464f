"""Addresses: story links made absolute (http and https only) and reduced to one canonical
form, and feed addresses compared for duplicates (`feed_url_key`).

The canonical form is what lets the same story reached through two feeds, or with two different
campaign tags, be recognised as one: lower-case scheme and host, no default port, no fragment,
no tracking parameters, the remaining query parameters sorted by name. Percent-encoding and the
path are left exactly as the publisher wrote them, since servers may treat them differently.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from minewatch.textclean import BIDI_BOM_SURROGATES

WEB_SCHEMES = frozenset({"http", "https"})
# Never in an address we fetch or show: spaces, C0 and C1 controls, DEL, bidi reordering
_NOT_IN_ADDRESS = re.compile(f"[\x00-\x20\x7f-\x9f{BIDI_BOM_SURROGATES}]")
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only say how a reader arrived, never which page they get.
_TRACKING_PREFIXES = ("utm_", "ns_", "pk_", "mtm_", "hmb_", "at_")
_TRACKING_NAMES = frozenset(
    """
    fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid igshid igsh li_fat_id
    mc_cid mc_eid _ga _gl _hsenc _hsmi hsctatracking mkt_tok oly_anon_id oly_enc_id rb_clickid
    s_cid vero_id wickedid __s ito cmpid ocid spm sr_share ref_src ref_url
    """.split()
)


def absolute_url(link: str | None, base: str) -> str | None:
    """The link resolved against base, or None unless the result is an http(s) URL with a host."""
    if not link:
        return None
    link = "".join(link.split())  # stray newlines and spaces inside a feed's <link>
    if not link:
        return None
    try:
        # An absolute address needs no base: urljoin would parse both to find that out
        # (two thirds of the time, for the links of nearly every feed).
        resolved = link if link.startswith(("http://", "https://")) else urljoin(base, link)
    except ValueError:  # a base with an unclosed IPv6 bracket
        return None
    return resolved if is_web_address(resolved) else None


def as_uri(address: str) -> str:
    """An address as people and servers write it ("/new feed.xml", "/déminage") made a URI:
    after the host, spaces, controls and other characters outside URI syntax are
    percent-encoded (escapes kept); the host stays as written (httpx encodes a non-ASCII name
    for DNS), and an address already within URI syntax comes back unchanged."""
    address = address.strip()
    if not _OUTSIDE_URI.search(address):
        return address
    try:
        host = urlsplit(address).netloc
    except ValueError:  # an unclosed IPv6 bracket: left for the caller to refuse
        return address
    after_host = address.find(host, address.find("//")) + len(host) if host else 0
    return address[:after_host] + quote(address[after_host:], safe=_URI_CHARACTERS)


_URI_CHARACTERS = "%:/?#[]@!$&'()*+,;=~"  # with letters, digits and "-._": all a URI may hold
_OUTSIDE_URI = re.compile(r"[^A-Za-z0-9\-._~%:/?#\[\]@!$&'()*+,;=]")


def is_web_address(url: str) -> bool:
    """An http(s) URL with a host, and a port that is a number from 0 to 65535 if it has one,
    and no space, control or bidi character: an address that can be fetched (an out-of-range port
    would fail deep in the socket call) and shown."""
    if _NOT_IN_ADDRESS.search(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
    except ValueError:  # also an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def canonical_url(url: str) -> str:
    """One spelling per page (see the module docstring); an unparsable URL comes back as is."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    netloc = f"{userinfo}@{host}" if userinfo else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, _clean_query(parts.query), ""))


def _clean_query(query: str) -> str:
    if not query:
        return ""
    kept = [pair for pair in query.split("&") if pair and not _is_tracking(pair)]
    kept.sort(key=lambda pair: pair.partition("=")[0])
    return "&".join(kept)


def _is_tracking(pair: str) -> bool:
    name = pair.partition("=")[0].lower()
    return name in _TRACKING_NAMES or name.startswith(_TRACKING_PREFIXES)


def without_password(url: str) -> str:
    """The url with the password in it, if any, shown as ***: what output may print of it."""
    try:
        parts = urlsplit(url)
        has_password = parts.password is not None
    except ValueError:
        return url
    if not has_password:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def feed_url_key(url: str) -> str:
    """The url as compared for duplicates: scheme and host in lower case, default port,
    fragment and trailing slash dropped. Path and query keep their case: servers may not."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: leave the authority as written
        port = None
        host = parts.netloc.lower()
    if port is not None and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    if parts.username or parts.password:
        host = f"{parts.netloc.rsplit('@', 1)[0]}@{host}"
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, host, path, parts.query, ""))
