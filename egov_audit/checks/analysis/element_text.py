"""An element's text as a reader sees it: ``collapse_whitespace(" ".join(el.itertext()))``, cheaply.

Checks ask for the text of many elements that contain one another (a box, its list, its items). Taken
one by one, every element's text walks its whole subtree again: quadratic in the depth of the page, and
most of the judging time of a site. Two shortcuts give the same strings:

- ``subtree_texts``: the texts of every element under a root in one walk from the leaves up, each
  element's text joined from its children's (joining collapsed pieces with one space is the collapse of
  the joined pieces);
- ``text_up_to``: the text of one element, or None as soon as it is known to be longer than a limit (a
  check that reads only short labels stops reading a long block at once).

As ``itertext`` does, the text of comments and processing instructions is left out, their tails kept.
"""

from __future__ import annotations

from lxml import etree

from egov_audit.core.text import collapse_whitespace


def _is_element(node: etree._Element) -> bool:
    return isinstance(node.tag, str)


def subtree_texts(root: etree._Element) -> dict[etree._Element, str]:
    """Every element under ``root`` (itself included) → its collapsed text."""
    texts: dict[etree._Element, str] = {}
    # Children come after their parent in document order: reversed, each child is done before its parent.
    for node in reversed(list(root.iter())):
        if not _is_element(node):
            continue
        pieces = [collapse_whitespace(node.text)] if node.text else []
        for child in node:
            if _is_element(child):
                inner = texts[child]
                if inner:
                    pieces.append(inner)
            if child.tail:
                tail = collapse_whitespace(child.tail)
                if tail:
                    pieces.append(tail)
        texts[node] = " ".join(p for p in pieces if p)
    return texts


def text_up_to(el: etree._Element, limit: int) -> str | None:
    """The collapsed text of ``el``, or None when it is longer than ``limit`` characters."""
    pieces: list[str] = []
    length = -1
    for raw in el.itertext():
        piece = collapse_whitespace(raw)
        if not piece:
            continue
        length += len(piece) + 1
        if length > limit:
            return None
        pieces.append(piece)
    return " ".join(pieces)
