"""The bytes a text opens with: a byte-order mark and the encoding it names, read the same way
for feed bodies and for the feeds file, and blanks that say nothing about what follows."""

from __future__ import annotations

import codecs

# Whitespace, NULs and byte-order-mark bytes: a body of nothing else is empty.
BLANK_BYTES = b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"

# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(data: bytes) -> str | None:
    """The codec named by the mark `data` opens with (decoding with it drops the mark), or
    None when there is no mark."""
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def opens_like_a_document(data: bytes) -> bool:
    """Whether the first thing after any blanks is "<" or "{", as XML and JSON open."""
    return data.lstrip(BLANK_BYTES)[:1] in (b"<", b"{")
