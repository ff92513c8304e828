"""The test oracle of the generated portals: what each covered check of CRITERIA.md §2 should find on a
portal, derived from its ``PortalSpec`` by rule (each rule is commented with the CRITERIA clause it rests
on), never from a table typed per portal, so a labelled farm (tests/farm/) cannot drift from what it serves.

The generator (``sitegen``, ``platforms``, ``section_pages``) never reads this module; the tests, the farm
and the benchmarks compare the checks' findings with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from egov_audit.demo.sitegen import Portal
from egov_audit.demo.spec_values import Metadata, SearchMode, SectionState

if TYPE_CHECKING:
    from egov_audit.demo.server import DemoProvince

PASS, PARTIAL, FAIL, UNKNOWN = "pass", "partial", "fail", "unknown"

# Check ids whose outcome on a generated portal is fully determined by its spec (the checks
# ``expected_labels`` covers). Rendering- and network-dependent checks (accessibility, broken-link share,
# IPv6) are left out on purpose: their result depends on tools, not on the spec.
COVERED_CHECKS = (
    "info.introduction", "info.organization", "info.leaders", "info.contact", "info.news", "info.direction",
    "info.work_schedule", "info.legal_documents", "info.law_dissemination", "info.plans", "info.projects",
    "info.budget", "info.procedures", "info.map", "info.statistics", "info.english", "info.ownership",
    "fresh.news", "fresh.documents", "interact.qa", "interact.question_form", "interact.consultation",
    "interact.downloadable_forms", "interact.email", "interact.hotline", "interact.social",
    "service.portal_link", "service.levels_shown", "service.dossier_lookup", "service.statistics",
    "service.satisfaction", "service.payment", "tech.reachable", "tech.https", "tech.gov_domain",
    "tech.sitemap_xml", "tech.sitemap_html", "tech.search", "tech.mobile", "tech.metadata", "tech.images_alt",
    "tech.response_time", "tech.unicode",
)
# The sections each covered check reads (for JavaScript-menu portals: which checks need rendering).
CHECK_SECTIONS: dict[str, tuple[str, ...]] = {
    "info.introduction": ("introduction",), "info.organization": ("organization",), "info.leaders": ("leaders",),
    "info.contact": ("contact",), "info.news": ("news",), "info.direction": ("direction",),
    "info.work_schedule": ("work_schedule",), "info.legal_documents": ("legal_documents",),
    "info.law_dissemination": ("law_dissemination",), "info.plans": ("plans",), "info.projects": ("projects",),
    "info.budget": ("budget",), "info.procedures": ("procedures", "services"), "info.map": ("map",),
    "info.statistics": ("statistics",), "info.english": ("english",), "fresh.news": ("news", "direction"),
    "fresh.documents": ("legal_documents",), "interact.qa": ("qa",), "interact.question_form": ("qa", "contact"),
    "interact.consultation": ("consultation",), "interact.downloadable_forms": ("forms",),
    "interact.email": ("contact",), "interact.hotline": ("contact", "leaders"),
    "service.levels_shown": ("services",), "tech.sitemap_html": ("sitemap_html",),
}
# Checks whose label is the plain section rule of the section they read.
_SECTION_CHECKS = {
    "info.introduction": "introduction", "info.organization": "organization", "info.direction": "direction",
    "info.work_schedule": "work_schedule", "info.law_dissemination": "law_dissemination", "info.plans": "plans",
    "info.projects": "projects", "info.budget": "budget", "info.map": "map", "info.statistics": "statistics",
    "info.english": "english", "interact.consultation": "consultation", "tech.sitemap_html": "sitemap_html",
}
HIGH_LEVELS = ("Mức độ 3", "Mức độ 4", "Toàn trình")
"""Service levels ``service.levels_shown`` counts (level 3 or higher, or full-process)."""


def expected_values(portal: Portal) -> dict[str, object]:
    """Values the checks should report, for the checks that have one (ages in days, counts, URLs)."""
    spec = portal.spec
    ages = [a.age_days for a in portal.articles if a.section in ("news", "direction")]
    return {
        "fresh.news": min(ages) if ages else None,
        "fresh.documents": min((d.age_days for d in portal.documents), default=None),
        "service.levels_shown": (sum(1 for s in spec.services if s.level in HIGH_LEVELS)
                                 if spec.state("services") is SectionState.PRESENT else None),
        "tech.reachable": portal.base_url,
        "tech.images_alt": 1.0 if spec.images_alt else 0.0,
    }


def expected_labels(portal: Portal) -> dict[str, str]:
    """Status each covered check (``COVERED_CHECKS``) should give on this portal, by check id."""
    labels = {check: _section(portal, key) for check, key in _SECTION_CHECKS.items()}
    labels |= _information_labels(portal) | _freshness_labels(portal) | _interaction_labels(portal)
    labels |= _service_labels(portal) | _technical_labels(portal)
    assert set(labels) == set(COVERED_CHECKS), set(COVERED_CHECKS) ^ set(labels)
    return labels


def rendering_dependent_checks(portal: Portal) -> set[str]:
    """Checks whose label relies on a section only a rendered (script-run) page links to."""
    hidden = portal.linked_sections() - portal.static_sections()
    return {check for check, keys in CHECK_SECTIONS.items() if hidden & set(keys)}


def unreachable_labels() -> dict[str, str]:
    """Expected labels of a unit whose portal is down (CRITERIA §5): all unknown, tech.reachable fail."""
    labels = {check: UNKNOWN for check in COVERED_CHECKS}
    labels["tech.reachable"] = FAIL
    return labels


def no_portal_labels() -> dict[str, str]:
    """Expected labels of a unit with no portal: every web check fails ("no portal")."""
    return {check: FAIL for check in COVERED_CHECKS}


def province_labels(province: DemoProvince) -> dict[str, dict[str, str]]:
    """Ground truth per unit code and check id (CRITERIA §5 rules for down and portal-less units)."""
    labels: dict[str, dict[str, str]] = {}
    for unit in province.units:
        if unit.code in province.portals:
            labels[unit.code] = expected_labels(province.portals[unit.code])
        elif unit.hosting == "down":
            labels[unit.code] = unreachable_labels()
        else:
            labels[unit.code] = no_portal_labels()
    return labels


# ---------------------------------------------------------------------------- the rules, by family
def _flag(value: bool) -> str:
    return PASS if value else FAIL


def _count(n: int, total: int) -> str:
    return PASS if n == total else PARTIAL if n == total - 1 else FAIL


def _section(portal: Portal, key: str) -> str:
    spec = portal.spec
    # CRITERIA §5: a labelled navigation link to another .gov.vn host is partial for an information
    # section; a link only inside an article body counts for nothing (so: no such section).
    if key in spec.external_sections:
        return PARTIAL
    if key in spec.body_only_sections:
        return FAIL
    # CRITERIA §2 section rule: content = pass; placeholder or 4xx = partial; not linked = fail.
    return {SectionState.PRESENT: PASS, SectionState.PLACEHOLDER: PARTIAL,
            SectionState.BROKEN: PARTIAL, SectionState.ABSENT: FAIL}[spec.state(key)]


def _has_service_link(portal: Portal) -> bool:
    spec = portal.spec
    return spec.public_service_links or (spec.state("services") is SectionState.PRESENT and bool(spec.services))


def _information_labels(portal: Portal) -> dict[str, str]:
    spec, present = portal.spec, SectionState.PRESENT
    labels = {"info.leaders": _section(portal, "leaders") if spec.state("leaders") is not present else (
        PASS if spec.leaders_contacts else PARTIAL)}
    pieces = sum((spec.contact_address, spec.contact_phone, spec.contact_email))
    labels["info.contact"] = PASS if pieces == 3 else PARTIAL if pieces == 2 else FAIL
    news = [a for a in portal.articles if a.section == "news"]
    if spec.state("news") is present:
        labels["info.news"] = PASS if len(news) >= 3 and spec.articles_open else PARTIAL
    else:
        labels["info.news"] = _section(portal, "news")
    if spec.state("legal_documents") is present:
        labels["info.legal_documents"] = PASS if portal.documents and spec.documents_have_files else PARTIAL
    else:
        labels["info.legal_documents"] = _section(portal, "legal_documents")
    if spec.state("procedures") is present or _has_service_link(portal):
        labels["info.procedures"] = PASS
    else:
        labels["info.procedures"] = _section(portal, "procedures")
    labels["info.ownership"] = _count(int(spec.owner_body) + int(spec.responsible_person), 2)
    return labels


def _freshness_labels(portal: Portal) -> dict[str, str]:
    values = expected_values(portal)
    age, doc_age = values["fresh.news"], values["fresh.documents"]
    limit = 7 if portal.spec.level == "district" else 30
    assert age is None or isinstance(age, int)
    assert doc_age is None or isinstance(doc_age, int)
    return {
        "fresh.news": FAIL if age is None else PASS if age <= limit else PARTIAL if age <= 90 else FAIL,
        "fresh.documents": FAIL if doc_age is None else PASS if doc_age <= 90 else PARTIAL if doc_age <= 365 else FAIL,
    }


def _interaction_labels(portal: Portal) -> dict[str, str]:
    spec, present = portal.spec, SectionState.PRESENT
    if spec.state("qa") is present:
        qa = PASS if spec.qa_answered and spec.qa_questions > 0 else PARTIAL
    else:
        qa = _section(portal, "qa")
    return {
        "interact.qa": qa,
        "interact.question_form": _flag(spec.question_form and (spec.state("qa") is present
                                                                or spec.state("contact") is present)),
        "interact.downloadable_forms": _flag(spec.state("forms") is present),
        "interact.email": _flag(spec.contact_email),
        "interact.hotline": _flag(spec.contact_phone or (spec.state("leaders") is present and spec.leaders_contacts)),
        "interact.social": _flag(spec.social),
    }


def _service_labels(portal: Portal) -> dict[str, str]:
    spec = portal.spec
    return {
        "service.portal_link": _flag(_has_service_link(portal)),
        "service.levels_shown": _flag(spec.state("services") is SectionState.PRESENT and bool(spec.services)),
        "service.dossier_lookup": _flag(spec.dossier_lookup),
        "service.statistics": _flag(spec.service_statistics),
        "service.satisfaction": _flag(spec.satisfaction),
        "service.payment": _flag(spec.payment),
    }


def _technical_labels(portal: Portal) -> dict[str, str]:
    spec = portal.spec
    # CRITERIA §5 tech.metadata: Dublin Core on the home page and on at least one article = pass, one = partial.
    home_dc = spec.metadata is not Metadata.NONE
    article_dc = spec.metadata is Metadata.ALL and spec.articles_open and bool(portal.articles)
    return {
        "tech.reachable": PASS,
        "tech.https": FAIL,  # served over plain HTTP on loopback
        "tech.gov_domain": FAIL,  # 127.0.0.1 is not under .gov.vn
        "tech.sitemap_xml": _flag(spec.sitemap_xml),
        # CRITERIA §2 tech.search: works = pass, finds nothing = partial; §5: action on another host = unknown.
        "tech.search": {SearchMode.WORKING: PASS, SearchMode.BROKEN: PARTIAL, SearchMode.EXTERNAL: UNKNOWN,
                        SearchMode.ABSENT: FAIL}[spec.search],
        "tech.mobile": _flag(spec.viewport),
        "tech.metadata": _count(int(home_dc) + int(article_dc), 2),
        "tech.images_alt": _flag(spec.images_alt),
        "tech.response_time": PASS,
        "tech.unicode": PASS,
    }
