"""sitemap.xml parsing (urlset and sitemapindex), tolerant of the sloppy files portals serve."""

from __future__ import annotations

import zlib

from lxml import etree


def maybe_gunzip(body: bytes, limit: int) -> bytes:
    """Inflate a ``.xml.gz`` sitemap, never beyond ``limit`` bytes (decompression-bomb guard)."""
    if body[:2] != b"\x1f\x8b":
        return body
    inflater = zlib.decompressobj(wbits=47)
    try:
        out = inflater.decompress(body, limit)
    except zlib.error:
        return body
    return out


def parse_sitemap(body: bytes) -> tuple[list[str], list[str], str | None]:
    """Return (page URLs, child sitemap URLs, error) from a sitemap or sitemap index."""
    body = body.strip()
    if not body:
        return [], [], "empty"
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return [], [], f"not xml: {exc}"[:200]
    if root is None:
        return [], [], "not xml"
    tag = etree.QName(root).localname.lower() if isinstance(root.tag, str) else ""
    locs = [
        (el.text or "").strip()
        for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname.lower() == "loc" and (el.text or "").strip()
    ]
    if tag == "sitemapindex":
        return [], locs, None
    if tag == "urlset":
        return locs, [], None
    return [], [], f"unexpected root element <{tag}>"


__all__ = ["maybe_gunzip", "parse_sitemap"]
