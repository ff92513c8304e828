"""The region every element of a page sits in (navigation, header, footer, sidebar, breadcrumb, main
content, article body), and which elements a visitor cannot see.

CRITERIA.md §5 reads a section from navigation labels and a page's own content, never from an article body
or a listing item, so every later step asks "where is this element": the answer is decided here once per
page, from HTML5 elements, ARIA roles and the class/id names real portal skins use.

Hidden is not always unseen: a dropdown submenu under a visible menu item and a tab panel that a visible tab
opens are shown on demand (``revealed_on_demand``); a block hidden with nothing to open it shows nothing.
"""

from __future__ import annotations

import re

from lxml import etree

from egov_audit.core.dates import find_dates
from egov_audit.core.text import collapse_whitespace

NAV, HEADER, FOOTER, SIDEBAR, BREADCRUMB, MAIN, ARTICLE = (
    "nav", "header", "footer", "sidebar", "breadcrumb", "main", "article",
)
NAV_REGIONS = frozenset({NAV, HEADER, FOOTER, SIDEBAR, BREADCRUMB})
CONTENT_REGIONS = frozenset({MAIN, ARTICLE})

# Class/id tokens that name a region. Matched on "-"/"_" separated words so "text-left" or
# "block-header" (a sidebar block's title) are not mistaken for page regions.
_RE_BREADCRUMB = re.compile(r"breadcrumb|duong-?dan|path-?way", re.I)
# A short prefix glued to "menu"/"nav" names a menu too: "mainmenu", "topmenu", DotNetNuke's "dnnMENU"/"dnnNav".
_RE_NAV = re.compile(r"(^|[-_\s])([a-z]{0,8}(nav|menu)|navbar|navigation|main-menu|mnu)([-_\s]|$)", re.I)
_RE_FOOTER = re.compile(r"(^|[-_\s])(footer|foot|chan-?trang|bottom)([-_\s]|$)", re.I)
_RE_HEADER = re.compile(r"(^|[-_\s])(header|banner|topbar|top-bar|masthead)([-_\s]|$)", re.I)
_RE_SIDEBAR = re.compile(
    r"sidebar|side-bar|col-?left|col-?right|left-?col(umn)?|right-?col(umn)?|column-?(left|right)|sidebox|"
    r"block-?(left|right)|(^|[-_\s])(aside|left|right)([-_\s]|$)",
    re.I,
)
_RE_ARTICLE = re.compile(
    r"(^|[-_\s])(article|bodytext|news-?detail|detail-?content|content-?detail|post-?content|entry-?content|"
    r"news-?content|noidung|chitiet|chi-tiet|detail)([-_\s]|$)",
    re.I,
)
_RE_BLOCK_TOKEN = re.compile(r"block|panel|box|portlet|title|widget|module", re.I)
# Styling utilities that name an edge, not a region: jQuery UI's "ui-corner-bottom" on every tab panel,
# "border-bottom", "margin-bottom", "rounded-bottom", "align-bottom".
_RE_STYLE_TOKEN = re.compile(r"corner|border|radius|rounded|margin|padding|align|shadow|spacing", re.I)
# The header of one article or item, not of the page: SharePoint's "ms-news-header" (category and date over a
# news item), WordPress's "entry-header", "post-header", "article-header".
_RE_ITEM_TOKEN = re.compile(r"(news|post|entry|article|item|detail)[-_]?(header|footer)", re.I)
_RE_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_RE_BAR_SEPARATORS = re.compile(r"^[\s|¦•·]*$")

_ELEMENT_REGIONS = {"header": HEADER, "footer": FOOTER, "aside": SIDEBAR, "article": ARTICLE}
_ROLE_REGIONS = {"navigation": NAV, "contentinfo": FOOTER}


def mark_regions(body: etree._Element) -> tuple[dict[etree._Element, str], set[etree._Element]]:
    """The region of every element under ``body`` and the set of hidden elements, in one pass."""
    region: dict[etree._Element, str] = {}
    hidden: set[etree._Element] = set()
    panels = _revealed_panels(body)
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        inherited = region.get(parent, MAIN) if parent is not None else MAIN
        own = _classify(el) if el is not body else None
        # An article body inside navigation is still navigation; navigation inside an article
        # body (a table of contents) is still the article.
        if own is None or (inherited in NAV_REGIONS and own in CONTENT_REGIONS):
            region[el] = inherited
        elif inherited == ARTICLE and own != BREADCRUMB:
            region[el] = ARTICLE
        else:
            region[el] = own
        if (parent is not None and parent in hidden) or (_is_hidden(el) and el not in panels):
            hidden.add(el)
    # A bare menu bar (old table layouts, skins without menu classes): short links separated only by
    # "|"-style separators is navigation wherever it sits.
    for el in list(body.iter()):
        if isinstance(el.tag, str) and region.get(el) == MAIN and _is_link_bar(el):
            for sub in el.iter():
                if isinstance(sub.tag, str):
                    region[sub] = NAV
    return region, hidden


def _classify(el: etree._Element) -> str | None:
    tag = el.tag
    if tag == "nav":
        label = (el.get("aria-label") or "") + " " + (el.get("class") or "")
        return BREADCRUMB if _RE_BREADCRUMB.search(label) else NAV
    if tag in _ELEMENT_REGIONS:
        return _ELEMENT_REGIONS[tag]
    role = _ROLE_REGIONS.get((el.get("role") or "").lower())
    if role is not None:
        return role
    names = f"{el.get('id') or ''} {el.get('class') or ''}".strip()
    return _classify_names(names) if names else None


def _classify_names(names: str) -> str | None:
    """The region a class/id list names, if any."""
    if _RE_BREADCRUMB.search(names):
        return BREADCRUMB
    tokens = names.split()
    # A box's own header ("block-header", "panel-title") is a title, not the page header.
    if any(_RE_HEADER.search(t) and not _RE_BLOCK_TOKEN.search(t) and not _RE_ITEM_TOKEN.search(t) for t in tokens):
        return HEADER
    if any(_RE_FOOTER.search(t) and not _RE_BLOCK_TOKEN.search(t) and not _RE_STYLE_TOKEN.search(t)
           and not _RE_ITEM_TOKEN.search(t) for t in tokens):
        return FOOTER
    # camelCase names split into words for menus: Oracle ADF's "af_navigationPane", "mainMenuBar".
    if any(_RE_NAV.search(re.sub(r"([a-z])([A-Z])", r"\1-\2", t)) for t in tokens):
        return NAV
    if any(_RE_SIDEBAR.search(t) for t in tokens):
        return SIDEBAR
    if any(_RE_ARTICLE.search(t) for t in tokens):
        return ARTICLE
    return None


def _is_link_bar(el: etree._Element) -> bool:
    """At least three short links, side by side, with nothing but separators between them ("A | B | C")."""
    if el.tag not in {"div", "td", "p", "b", "strong", "font", "span", "center"}:
        return False
    links = 0
    if not _RE_BAR_SEPARATORS.match(el.text or ""):
        return False
    for child in el:
        if not isinstance(child.tag, str):
            return False
        if not _RE_BAR_SEPARATORS.match(child.tail or ""):
            return False
        if child.tag != "a":
            if child.tag in {"img", "br"}:
                continue
            return False
        text = collapse_whitespace(" ".join(child.itertext()))
        if not text or len(text) > 40 or find_dates(text):
            return False
        links += 1
    # One separator at least: links merely placed side by side could be anything.
    return links >= 3 and any(c in "|¦•·" for c in "".join((el.text or "", *(c.tail or "" for c in el))))


# Where a visible control names the panel it opens: href="#id", aria-controls, data-target, or a quoted word
# of its onclick ("ShowTab('tronghuyen')" opens id="tab-content-tronghuyen").
_CONTROL_ATTRIBUTES = ("href", "aria-controls", "data-target", "data-bs-target", "data-tab", "rel")
_RE_QUOTED = re.compile(r"""['"]#?([\w-]{1,80})['"]""")


def revealed_on_demand(body: etree._Element, hidden: set[etree._Element],
                       region: dict[etree._Element, str]) -> set[etree._Element]:
    """The hidden elements a visitor can open: a dropdown submenu (a hidden list inside a menu item whose
    own link or label is shown, opened on hover) and a tab panel whose id a shown control references. A
    block hidden with no such control (a web part switched off, a menu of the CMS's own) stays unseen."""
    references = _control_references(body, hidden)
    shown: set[etree._Element] = set()
    for el in body.iter():
        if not isinstance(el.tag, str) or el not in hidden or el in shown:
            continue
        parent = el.getparent()
        if parent is None or (parent in hidden and parent not in shown):
            continue
        # ``el`` is the top of a hidden subtree (its parent is seen, or opened on demand itself).
        if _is_dropdown(el, parent, hidden, region) or _is_referenced(el, references):
            shown.update(sub for sub in el.iter() if isinstance(sub.tag, str))
    return shown


def _control_references(body: etree._Element, hidden: set[etree._Element]) -> dict[str, etree._Element]:
    """What each shown control references (an id, or a word the panel's id ends with), and the control."""
    refs: dict[str, etree._Element] = {}
    for el in body.iter():
        if isinstance(el.tag, str) and el not in hidden:
            for target in _element_targets(el):
                refs.setdefault(target, el)
    return refs


def _element_targets(el: etree._Element) -> list[str]:
    """The ids one element opens: an "#id" href, aria-controls, data-target, data-tab, rel, or a quoted word of
    its onclick ("ShowTab('tronghuyen')")."""
    attributes = el.attrib
    if not attributes:  # most elements of a page: asked three times per element, so answered at once
        return []
    targets: list[str] = []
    for name in _CONTROL_ATTRIBUTES:
        value = (attributes.get(name) or "").strip()
        if value.startswith("#") or (value and name != "href"):
            targets.append(value.lstrip("#"))
    onclick = attributes.get("onclick")
    if onclick:
        targets += _RE_QUOTED.findall(onclick)
    return [t for t in targets if t]


def _referencing(el: etree._Element, references: dict[str, etree._Element]) -> etree._Element | None:
    ident = el.get("id")
    if not ident or not references:
        return None
    if ident in references:
        return references[ident]
    return next((control for ref, control in references.items() if names_panel(ref, ident)), None)


def _is_referenced(el: etree._Element, references: dict[str, etree._Element]) -> bool:
    return _referencing(el, references) is not None


def tab_titles(body: etree._Element, hidden: set[etree._Element]) -> dict[etree._Element, str]:
    """Each tab panel (an element with an id that a shown control references) and the control's short text."""
    references = _control_references(body, hidden)
    titles: dict[etree._Element, str] = {}
    if not references:
        return titles
    for el in body.iter():
        if not isinstance(el.tag, str) or not el.get("id") or el.tag in {"a", "li", "input", "button"}:
            continue
        control = _referencing(el, references)
        if control is not None and control is not el:
            text = collapse_whitespace(" ".join(control.itertext()))
            if 0 < len(text) <= 80:
                titles[el] = text
    return titles


def _is_dropdown(el: etree._Element, parent: etree._Element, hidden: set[etree._Element],
                 region: dict[etree._Element, str]) -> bool:
    """A hidden list of links inside a menu item (``li``) whose own link or label is shown."""
    if parent.tag != "li" or el.find(".//a") is None:
        return False
    if region.get(el) not in NAV_REGIONS and not any(_RE_NAV.search(t) for t in _names(parent)):
        return False
    for sibling in parent:
        if sibling is el or not isinstance(sibling.tag, str) or sibling in hidden:
            continue
        if collapse_whitespace(" ".join(sibling.itertext())):
            return True
    return bool(collapse_whitespace(parent.text or ""))


def _names(el: etree._Element) -> list[str]:
    return f"{el.get('id') or ''} {el.get('class') or ''}".split()
_RE_TAB_PANEL = re.compile(r"(^|[-_\s])(tab-?pane|tab-?panel|tabs-?panel|tab-?content|tab-?item)([-_\s]|$)", re.I)


def _revealed_panels(body: etree._Element) -> set[etree._Element]:
    """Tab panels hidden until their tab is clicked (jQuery UI, Bootstrap, ARIA, SharePoint "ShowTab('x')"):
    content a visitor opens with one click, so not hidden. A panel counts when it is named as one (class or
    ``role="tabpanel"``) and a control on the page targets its id (href "#id", aria-controls, data-target, or an
    onclick argument naming the id or its last part, ``ShowTab('kinhte')`` for ``tab-content-kinhte``); a
    display:none block that nothing opens stays hidden."""
    targets = control_targets(body)
    if not targets:
        return set()
    panels: set[etree._Element] = set()
    for el in body.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        if el.get("role") != "tabpanel" and not _RE_TAB_PANEL.search(el.get("class") or ""):
            continue
        if any(names_panel(t, el.get("id") or "") for t in targets):
            panels.add(el)
    return panels


def control_targets(control: etree._Element) -> set[str]:
    """The ids the controls in ``control`` open (``_element_targets`` of each element under it)."""
    return {target for el in control.iter() if isinstance(el.tag, str) for target in _element_targets(el)}


def names_panel(target: str, panel_id: str) -> bool:
    """A control's target names the panel: its id, or the id's last part ("kinhte" for "tab-content-kinhte")."""
    return bool(target) and (target == panel_id or panel_id.endswith(("-" + target, "_" + target)))


def _is_hidden(el: etree._Element) -> bool:
    if el.get("hidden") is not None:
        return True
    if el.tag == "input" and (el.get("type") or "").lower() == "hidden":
        return True
    return bool(_RE_HIDDEN_STYLE.search(el.get("style") or ""))
