"""The catalogue: every check of CRITERIA.md §2, in its order, as each check declares itself in its module.

Ids are a public interface (reports, configs and exports use them): never rename or remove one. A new check
is a new module ending with ``CHECK = Check(...)``, listed here at its place in CRITERIA.md §2;
tests/test_checks_declarations.py fails for a module left out or an order that differs from CRITERIA.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from egov_audit.checks.declaration import Check, Option, option_table
from egov_audit.checks.fresh import document_freshness, news_freshness
from egov_audit.checks.info import (
    admin_map,
    budget,
    contact,
    direction,
    english,
    introduction,
    law_dissemination,
    leaders,
    legal_documents,
    news,
    organization,
    ownership,
    plans,
    procedures,
    projects,
    public_statistics,
    work_schedule,
)
from egov_audit.checks.interact import (
    consultation,
    downloadable_forms,
    email_address,
    hotline,
    qa,
    question_form,
    social_media,
)
from egov_audit.checks.section_rule import SECTION_OPTIONS
from egov_audit.checks.service import (
    dossier_lookup,
    dossier_statistics,
    levels_shown,
    online_payment,
    portal_link,
    satisfaction,
)
from egov_audit.checks.tech import (
    accessibility,
    broken_links,
    dublin_core,
    gov_domain,
    https,
    images_alt,
    ipv6,
    mobile_display,
    reachable,
    response_time,
    site_search,
    sitemap_html,
    sitemap_xml,
    unicode_encoding,
)

CHECK_MODULES = (
    introduction, organization, leaders, contact, news, direction, work_schedule, legal_documents,
    law_dissemination, plans, projects, budget, procedures, admin_map, public_statistics, english, ownership,
    news_freshness, document_freshness,
    qa, question_form, consultation, downloadable_forms, email_address, hotline, social_media,
    portal_link, levels_shown, dossier_lookup, dossier_statistics, satisfaction, online_payment,
    reachable, https, gov_domain, sitemap_xml, sitemap_html, site_search, mobile_display, dublin_core,
    accessibility, images_alt, broken_links, response_time, unicode_encoding, ipv6,
)
CHECKS: tuple[Check, ...] = tuple(module.CHECK for module in CHECK_MODULES)
CHECK_IDS: tuple[str, ...] = tuple(check.id for check in CHECKS)
if len(set(CHECK_IDS)) != len(CHECK_IDS):
    raise ValueError(f"a check id is declared twice: {sorted(i for i in CHECK_IDS if CHECK_IDS.count(i) > 1)}")

SHARED_OPTIONS: dict[str, Mapping[str, Option]] = {"sections": SECTION_OPTIONS}
"""Option groups several checks read, by name (not a check id): the section rule's ``min_text_chars``."""
OPTION_GROUPS: dict[str, dict[str, Option]] = option_table(
    [(check.id, check.options) for check in CHECKS] + list(SHARED_OPTIONS.items()))
"""Every declared option by group (check id or shared group) and key: what config/checks.yaml may set."""
