"""The check registry: the declared checks by id, what they need, and ``run_checks``, which runs them over one
``SiteAnalysis``. ``run_checks`` applies the crawl-status rules of CRITERIA.md §5 centrally and never raises:
an exception inside a check becomes ``unknown`` with the reason."""

from __future__ import annotations

from collections.abc import Iterable

from egov_audit.checks.analysis import SiteAnalysis
from egov_audit.checks.catalogue import CHECK_IDS, CHECKS
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.vocabulary import Vocabulary
from egov_audit.core.artifacts import CapturedSite, CrawlStatus, Evidence, Finding, Need, Status

# Needs the crawl itself provides; the others must be present in ``site.probes``.
_CRAWL_NEEDS = frozenset({Need.PAGES, Need.HOME})
_BROWSER_NEEDS = frozenset({Need.RENDERED, Need.MOBILE, Need.AXE})

_REGISTRY: dict[str, Check] = {check.id: check for check in CHECKS}


def get_check(check_id: str) -> Check:
    try:
        return _REGISTRY[check_id]
    except KeyError:
        raise KeyError(f"unknown check id {check_id!r}") from None


def needs_for(ids: Iterable[str] | None = None) -> set[Need]:
    """Everything the crawler and probes must capture for these checks (all checks when None)."""
    result: set[Need] = set()
    for check_id in _requested(ids):
        result |= get_check(check_id).needs
    return result


def _requested(ids: Iterable[str] | None) -> list[str]:
    if ids is None:
        return list(CHECK_IDS)
    wanted = set(ids)
    unknown = wanted - set(CHECK_IDS)
    if unknown:
        raise KeyError(f"unknown check id(s): {', '.join(sorted(unknown))}")
    return [c for c in CHECK_IDS if c in wanted]


def _missing_need(check: Check, site: CapturedSite) -> str | None:
    for need in sorted(check.needs - _CRAWL_NEEDS):
        present = site.sitemap is not None if need == Need.SITEMAP else need.value in site.probes
        if not present:
            return "browser not available" if need in _BROWSER_NEEDS else "probe not run"
    return None


def run_checks(site: CapturedSite, ids: Iterable[str] | None = None, options: CheckOptions | None = None,
               vocabulary: Vocabulary | None = None, analysis: SiteAnalysis | None = None) -> list[Finding]:
    """One finding per requested id, in ``CHECK_IDS`` order. Never raises for a check's failure.

    ``analysis``: the site's analysis already used to plan its probes (its pages parsed once for both)."""
    requested = _requested(ids)
    options = options or CheckOptions.from_config()
    if site.crawl_status == CrawlStatus.NO_PORTAL:
        return [Finding(c, Status.FAIL, reason="no portal") for c in requested]
    if site.crawl_status in (CrawlStatus.UNREACHABLE, CrawlStatus.BLOCKED):
        findings = []
        reason = f"site {site.crawl_status.value}" + (f": {site.crawl_error}" if site.crawl_error else "")
        for c in requested:
            if c == "tech.reachable" and site.crawl_status == CrawlStatus.UNREACHABLE:
                evidence = [Evidence(url=site.portal_url)] if site.portal_url else []
                findings.append(Finding(c, Status.FAIL, reason=site.crawl_error or "unreachable", evidence=evidence))
            else:
                findings.append(Finding(c, Status.UNKNOWN, reason=reason))
        return findings
    try:
        if analysis is None or analysis.site is not site or (vocabulary is not None and analysis.vocabulary is not vocabulary):
            analysis = SiteAnalysis(site, vocabulary)
    except Exception as exc:  # noqa: BLE001 - a broken artifact must still give one finding per id
        return [Finding(c, Status.UNKNOWN, reason=f"analysis failed: {type(exc).__name__}: {exc}") for c in requested]
    findings = []
    for check_id in requested:
        check = get_check(check_id)
        missing = _missing_need(check, site)
        if missing:
            findings.append(Finding(check_id, Status.UNKNOWN, reason=missing))
            continue
        if not check.implemented:
            findings.append(Finding(check_id, Status.UNKNOWN, reason="not implemented yet"))
            continue
        try:
            finding = check.run(analysis, options)
            if finding.check != check_id:
                raise ValueError(f"check returned a finding for {finding.check!r}")
        except Exception as exc:  # noqa: BLE001 - one faulty check must not hide the others
            finding = Finding(check_id, Status.UNKNOWN, reason=f"check error: {type(exc).__name__}: {exc}")
        findings.append(finding)
    return findings
