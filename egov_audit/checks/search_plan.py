"""Plans for the probes that act on a captured site: the site-search submission and the link-status list.

Pure functions of a ``CapturedSite`` (nothing here fetches): the crawler's probes
(``crawler.probes.search_probe`` / ``link_status_probe``) carry the plans out and judge nothing, and
``tech.search`` / ``tech.broken_links`` judge what came back. Keeping the *choice* of form, query and links
here keeps the recognition rules (Vietnamese labels, scope, the newest news article) in the checks package,
where every other recognition rule lives.

Search form (CRITERIA.md §2 ``tech.search``, §5 "Forms and functions"): the form is submitted as the page
defines it, the way a browser would when the visitor types into the search box and clicks its button:
every successful control of the form travels (hidden fields such as ``__VIEWSTATE`` and
``__EVENTVALIDATION``, other text fields with their current values), plus the clicked button's
``name=value``; the button's ``formaction``/``formmethod``/``formenctype`` override the form's (ASP.NET
pages wrap the whole page in one postback form, and their search button turns it into a GET to the
results page). The query is the title of the newest dated news article found, and the plan names that
article's URL so the check can look for a link to it on the results page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.info.news_listings import FRESH_CONCEPTS, NEWS_CONCEPTS, news_entries
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.section_rule import past_entries
from egov_audit.core.artifacts import CapturedPage, CapturedSite, SearchPlan
from egov_audit.core.text import ascii_key, collapse_whitespace

# Names of search text inputs seen on Vietnamese portals (compared on the last ASP.NET name segment,
# lower-cased): NukeViet ``q``, Liferay ``keywords``/``_3_keywords``, SharePoint ``k``, DotNetNuke
# ``Search``/``txtSearch``, provincial platforms ``keyword``/``tukhoa``.
_SEARCH_NAMES = frozenset({
    "q", "query", "k", "s", "kw", "key", "keyword", "keywords", "search", "searchtext", "searchterm",
    "searchkey", "searchword", "searchstring", "txtsearch", "txtkeyword", "txtkeywords", "txttimkiem",
    "tukhoa", "tu_khoa", "tu-khoa", "timkiem", "tim_kiem", "tim-kiem", "term", "text", "searchbox",
})
_RE_SEARCH_NAME = re.compile(r"search|keyword|tukhoa|tu_khoa|timkiem|tim_kiem|tim-kiem", re.I)
# Labels in placeholder/aria-label/title/<label>/button text, compared without diacritics (``ascii_key``).
_SEARCH_LABELS = ("tim kiem", "nhap tu khoa", "tu khoa", "search", "tra cuu thong tin")
_RE_FORM_SEARCH = re.compile(r"search|tim-?kiem|timkiem|tukhoa", re.I)
_TEXT_TYPES = frozenset({"", "text", "search"})
_BUTTON_TYPES = frozenset({"submit", "image"})
# Never-submitted input types besides unclicked buttons.
_SKIPPED_TYPES = frozenset({"reset", "button", "file"})




# ---------------------------------------------------------------------------- form recognition
def _attr_text(el: etree._Element) -> str:
    parts = [el.get(a) or "" for a in ("placeholder", "aria-label", "title", "value")]
    return " ".join(parts)


def _labels_for(doc: etree._Element) -> dict[str, str]:
    """``<label for=id>`` texts by id."""
    result: dict[str, str] = {}
    for label in doc.iter("label"):
        target = label.get("for")
        if target:
            result[target] = collapse_whitespace(" ".join(label.itertext()))
    return result


def _is_search_label(text: str) -> bool:
    key = ascii_key(text or "")
    return any(label in key for label in _SEARCH_LABELS)


def _input_score(el: etree._Element, labels: dict[str, str]) -> int:
    """How strongly a text input says "site search" by itself (0 = not at all)."""
    score = 0
    if (el.get("type") or "").lower() == "search":
        score += 3
    for name in (el.get("name") or "", el.get("id") or ""):
        last = re.split(r"[$:]", name)[-1].lower()
        if last in _SEARCH_NAMES:
            score += 2
        elif _RE_SEARCH_NAME.search(last):
            score += 2
    text = _attr_text(el) + " " + labels.get(el.get("id") or "", "")
    if _is_search_label(text):
        score += 2
    return score


def _is_writable_text(el: etree._Element) -> bool:
    return (el.tag == "input" and (el.get("type") or "").lower() in _TEXT_TYPES
            and el.get("disabled") is None and el.get("readonly") is None and bool(el.get("name")))


def _form_controls(form: etree._Element) -> list[etree._Element]:
    """The form's controls in document order: descendants plus those attached with ``form="id"``."""
    controls = [el for el in form.iter("input", "select", "textarea", "button")]
    form_id = form.get("id")
    if form_id:
        root = form.getroottree().getroot()
        extra = [el for el in root.iter("input", "select", "textarea", "button")
                 if el.get("form") == form_id and el not in controls]
        controls.extend(extra)
    return controls


def _owner_form(el: etree._Element) -> etree._Element | None:
    owner_id = el.get("form")
    if owner_id:
        found = el.getroottree().getroot().xpath("//form[@id=$i]", i=owner_id)
        if found:
            return found[0]
    return next(el.iterancestors("form"), None)


def _is_button(el: etree._Element) -> bool:
    kind = (el.get("type") or "").lower()
    if el.tag == "button":
        return kind in ("", "submit")
    return el.tag == "input" and kind in _BUTTON_TYPES


def _pick_button(controls: list[etree._Element], query_input: etree._Element) -> etree._Element | None:
    """The submit control a visitor clicks for this search box.

    A search-labelled button wins; else the first submit button after the input in the same small
    container; else the form's first submit button (what pressing Enter triggers, HTML "implicit submission").
    """
    buttons = [b for b in controls if _is_button(b) and b.get("disabled") is None]
    if not buttons:
        return None
    labelled = [b for b in buttons if _is_search_label(_attr_text(b) + " " + " ".join(b.itertext()))
                or _RE_SEARCH_NAME.search(b.get("name") or "") or _RE_SEARCH_NAME.search(b.get("id") or "")]
    if labelled:
        return labelled[0]
    container = query_input.getparent()
    for _ in range(3):
        if container is None:
            break
        near = [b for b in buttons if any(b is d for d in container.iter())]
        if near:
            return near[0]
        container = container.getparent()
    return buttons[0]


@dataclass
class _Candidate:
    page: CapturedPage
    form: etree._Element
    query_input: etree._Element
    score: int


def _candidates(analysis: SiteAnalysis, page: CapturedPage) -> list[_Candidate]:
    doc = analysis.doc(page)
    if doc is None:
        return []
    labels = _labels_for(doc)
    found: list[_Candidate] = []
    for el in doc.iter("input"):
        if not _is_writable_text(el) or analysis.is_hidden(page, el):
            continue
        form = _owner_form(el)
        if form is None:
            continue
        score = _input_score(el, labels)
        form_names = " ".join(form.get(a) or "" for a in ("id", "class", "name", "action", "role"))
        if form.get("role") == "search" or _RE_FORM_SEARCH.search(form_names):
            score += 1
        container = el.getparent()
        if container is not None and ((container.get("role") or "") == "search"
                                      or _RE_FORM_SEARCH.search(container.get("class") or "")):
            score += 1
        if score < 2:
            continue
        controls = _form_controls(form)
        # A login form is never the site search, even when its user field is called "keyword".
        if any((c.get("type") or "").lower() == "password" for c in controls):
            continue
        found.append(_Candidate(page, form, el, score))
    return found


def find_search_form(analysis: SiteAnalysis) -> _Candidate | None:
    """The site-search box: the best-scored one of the home page, else of the first page that has one."""
    for page in analysis.html_pages:
        candidates = _candidates(analysis, page)
        if candidates:
            return max(candidates, key=lambda c: c.score)
    return None


# ---------------------------------------------------------------------------- form submission data
def _successful_fields(controls: list[etree._Element], button: etree._Element | None,
                       query_input: etree._Element, query: str) -> list[tuple[str, str]]:
    """Name/value pairs of HTML's "constructing the entry list" for a submission by ``button``."""
    fields: list[tuple[str, str]] = []
    for el in controls:
        name = el.get("name")
        if el.get("disabled") is not None or next((a for a in el.iterancestors("fieldset")
                                                   if a.get("disabled") is not None), None) is not None:
            continue
        kind = (el.get("type") or "").lower()
        if _is_button(el):
            if el is button and name:
                if el.tag == "input" and kind == "image":
                    fields += [(f"{name}.x", "0"), (f"{name}.y", "0")]
                else:
                    fields.append((name, el.get("value") or ("" if el.tag == "button" else "Submit")))
            continue
        if not name or el.tag == "button" or kind in _SKIPPED_TYPES:
            continue
        if el is query_input:
            fields.append((name, query))
        elif el.tag == "select":
            fields += _select_values(el)
        elif el.tag == "textarea":
            fields.append((name, el.text or ""))
        elif kind in ("checkbox", "radio"):
            if el.get("checked") is not None:
                fields.append((name, el.get("value") if el.get("value") is not None else "on"))
        else:
            fields.append((name, el.get("value") or ""))
    return fields


def _select_values(select: etree._Element) -> list[tuple[str, str]]:
    name = select.get("name") or ""
    options = list(select.iter("option"))
    chosen = [o for o in options if o.get("selected") is not None and o.get("disabled") is None]
    if not chosen and options and select.get("multiple") is None:
        chosen = [next((o for o in options if o.get("disabled") is None), options[0])]
    return [(name, o.get("value") if o.get("value") is not None else collapse_whitespace(o.text_content()))
            for o in chosen]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _effective_port(url: str) -> int | None:
    parts = urlsplit(url)
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def same_site(analysis: SiteAnalysis, url: str, reference: str) -> bool:
    """``url`` is on the audited site: one of its host names, and the reference page's port (a portal on
    a non-standard port is another server than the same host on 80/443)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host not in analysis.own_hosts:
        return False
    port, ref_port = _effective_port(url), _effective_port(reference)
    return port == ref_port or {port, ref_port} <= {80, 443}


# ---------------------------------------------------------------------------- target article
def newest_news_article(analysis: SiteAnalysis, options: CheckOptions | None = None) -> tuple[str, str] | None:
    """(title, URL) of the newest dated news item with an in-scope link, as ``info.news`` finds them;
    direction items (*Chỉ đạo điều hành*) when the portal has no dated news; else the newest dated item of
    any listing whose page was captured."""
    options = options or CheckOptions.from_config()
    for concepts in (NEWS_CONCEPTS, FRESH_CONCEPTS):
        entries = [(entry.date, entry.title, entry.url) for entry, _page, _match in
                   news_entries(analysis, options, concepts)
                   if entry.url and analysis.in_scope(entry.url) and len(entry.title) >= 8]
        if entries:
            # Newest first; among items of the same day, the first seen (listings put the newest on top).
            newest = max(entry[0] for entry in entries)
            _date, title, url = next(e for e in entries if e[0] == newest)
            return title, url
    # No news or direction listing: any dated item of a listing that links to its own page in scope (a
    # portal that files its articles under other sections still has a search to test).
    items = [(entry.date, entry.title, entry.url) for page in analysis.html_pages
             for entry in past_entries(analysis, page, options)
             if entry.url and analysis.in_scope(entry.url) and len(entry.title) >= 8
             and analysis.page(entry.url) is not None]
    if items:
        newest = max(item[0] for item in items)
        _date, title, url = next(item for item in items if item[0] == newest)
        return title, url
    return None


def plan_search(site: CapturedSite, options: CheckOptions | None = None,
                analysis: SiteAnalysis | None = None) -> SearchPlan | None:
    """The submission of the site-search form, or None when the captured pages show no search form."""
    analysis = analysis or SiteAnalysis(site)
    candidate = find_search_form(analysis)
    if candidate is None:
        return None
    page, form = candidate.page, candidate.form
    page_url = page.final_url or page.url
    doc = analysis.doc(page)
    base = page_url
    base_el = doc.find(".//base[@href]") if doc is not None else None
    if base_el is not None:
        base = urljoin(base, base_el.get("href", ""))
    controls = _form_controls(form)
    button = _pick_button(controls, candidate.query_input)
    # The clicked button's form* attributes override the form's (HTML "form submission" algorithm).
    action = form.get("action")
    method = form.get("method") or "get"
    enctype = form.get("enctype") or "application/x-www-form-urlencoded"
    if button is not None:
        action = button.get("formaction") if button.get("formaction") is not None else action
        method = button.get("formmethod") or method
        enctype = button.get("formenctype") or enctype
    # An empty or missing action submits to the document's own URL.
    action_url = urldefrag(urljoin(base, action.strip()) if action and action.strip() else page_url)[0]
    method = "POST" if method.strip().lower() == "post" else "GET"
    found = newest_news_article(analysis, options)
    query, target = found if found else (None, None)
    fields = _successful_fields(controls, button, candidate.query_input, query or "")
    # accept-charset is a space-separated list (commas tolerated); browsers use the first they know.
    charsets = (form.get("accept-charset") or "").replace(",", " ").split()
    home = analysis.home
    reference = (home.final_url or home.url) if home is not None else page_url
    origins = sorted({_origin(u) for u in (page_url, reference, site.home_url or "", site.portal_url or "") if u})
    robots_origin = _origin(site.home_url) if site.home_url else None
    return SearchPlan(
        form_url=page_url,
        method=method,
        action_url=action_url,
        fields=fields,
        query_field=candidate.query_input.get("name") or "",
        query=query,
        target_url=target,
        enctype=enctype.strip().lower(),
        charset=(charsets[0] if charsets else page.encoding or "utf-8").lower(),
        foreign_host=not same_site(analysis, action_url, reference),
        site_origins=origins,
        robots_txt=site.robots_txt,
        robots_origin=robots_origin,
    )


# ---------------------------------------------------------------------------- link status
def link_check_urls(site: CapturedSite, limit: int = 200, analysis: SiteAnalysis | None = None) -> list[str]:
    """Internal links of the captured pages whose status the crawl does not know (linked files, pages
    beyond the crawl's limits), keyed exactly as ``tech.broken_links`` looks them up; first seen first."""
    analysis = analysis or SiteAnalysis(site)
    urls: list[str] = []
    seen: set[str] = set()
    for page in analysis.html_pages:
        for link in analysis.links(page):
            url = link.url
            if url in seen or url.startswith(("mailto:", "tel:")) or urlsplit(url).scheme not in ("http", "https"):
                continue
            seen.add(url)
            if analysis.in_scope(url) and analysis.page(url) is None:
                urls.append(url)
                if len(urls) >= limit:
                    return urls
    return urls
