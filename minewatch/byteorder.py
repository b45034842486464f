"""Text that opens with a byte-order mark: the Unicode encoding the mark names, read the same
way for feed bodies and for the feeds file."""

from __future__ import annotations

import codecs

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
