"""The probes of one unit, gathered only when a selected check needs them (``checks.needs_for``).

The network probes (DNS, HTTPS, search, link statuses) and the browser probes (mobile view, axe-core)
all go through the unit's sender. On an incremental night a link status the previous night established
is asked again only on its night of the revisit interval (``crawler.revisit``); while the home page is
unchanged, the search result (same form, same query) and the browser probes of that page are the previous
night's, the search within the same bound.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from egov_audit import checks
from egov_audit.core.artifacts import CapturedSite, Need
from egov_audit.crawler import Sender
from egov_audit.crawler.revisit import RevisitPlan, night_of
from egov_audit.services.judging import off_loop
from egov_audit.services.workspace import log

if TYPE_CHECKING:
    from egov_audit.checks.analysis import SiteAnalysis

LINK_CHECKED = "link_status_checked"
"""``probes`` key: when each link's status was last asked (ISO time), the revisit bound of link statuses:
``{night of the interval: {URL: time}}``, grouped by the night each link is due (``crawler.revisit.night_of``)
so that a night changes only its own group and the stored groups of the other nights are shared
(``storage.shared_json``). Written flat (URL → time) before; both are read."""


def _last_checked(probes: dict[str, Any]) -> dict[str, str]:
    """URL → when its status was last asked, from either shape of ``probes[LINK_CHECKED]``."""
    checked = probes.get(LINK_CHECKED) or {}
    flat: dict[str, str] = {}
    for key, value in checked.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat
SEARCH_CHECKED = "search_checked"
"""``probes`` key: when the search form was last submitted (ISO time)."""


def _links_to_check(site: CapturedSite, analysis: SiteAnalysis) -> list[str]:
    from egov_audit.checks.search_plan import link_check_urls

    try:
        return link_check_urls(site, analysis=analysis)
    except Exception:  # noqa: BLE001 - a page the parser chokes on must not break the audit
        log.warning("links of %s could not be listed for the link-status probe", site.unit_code, exc_info=True)
        return []


async def _link_statuses(site: CapturedSite, sender: Sender, prior: dict[str, Any], prior_at: datetime | None,
                         plan: RevisitPlan, analysis: SiteAnalysis) -> None:
    from egov_audit.crawler import probes

    urls = await off_loop(_links_to_check, site, analysis)
    known = prior.get(Need.LINK_STATUS.value) or {}
    checked = _last_checked(prior)

    def checked_at(url: str) -> datetime | None:
        when = checked.get(url)
        return datetime.fromisoformat(when) if when else prior_at

    reuse = {u: known[u] for u in urls if u in known and not plan.link_due(u, known[u], checked_at(u))}
    site.probes[Need.LINK_STATUS.value] = await probes.link_status_probe(site, urls, sender, reuse=reuse)
    now = datetime.now(UTC).isoformat()
    groups: dict[str, dict[str, str]] = {}
    for u in site.probes[Need.LINK_STATUS.value]:
        when = (checked.get(u) or (prior_at.isoformat() if prior_at else now)) if u in reuse else now
        groups.setdefault(str(night_of(u, plan.interval_days)), {})[u] = when
    site.probes[LINK_CHECKED] = {night: groups[night] for night in sorted(groups, key=int)}


async def _search(site: CapturedSite, sender: Sender, search: Any, prior: dict[str, Any], prior_at: datetime | None,
                  plan: RevisitPlan) -> None:
    """The search submission; the previous night's result stands while the home page (where the form and
    the newest article come from) is unchanged and the same query would be sent, until its night of the
    revisit interval."""
    from egov_audit.crawler import probes

    before = prior.get(Need.SEARCH.value) or {}
    checked = prior.get(SEARCH_CHECKED)
    last = datetime.fromisoformat(checked) if checked else prior_at
    home = site.home
    status = before.get("status") if before.get("error") is None else before.get("error")
    if (home is not None and home.revisit and before and search is not None and before.get("query") == search.query
            and before.get("action_url") == search.action_url and not plan.link_due(search.action_url,
                                                                                     status or "none", last)):
        site.probes[Need.SEARCH.value] = before
        site.probes[SEARCH_CHECKED] = checked or (prior_at.isoformat() if prior_at else None)
        return
    # The search probe records "no_form" / "foreign_host" itself; checks stay pure, the crawler judges nothing.
    site.probes[Need.SEARCH.value] = await probes.search_probe(search, sender)
    site.probes[SEARCH_CHECKED] = datetime.now(UTC).isoformat()


async def _network_probes(site: CapturedSite, needs: set[Need], sender: Sender, check_options: checks.CheckOptions,
                          prior: dict[str, Any], prior_at: datetime | None, plan: RevisitPlan,
                          analysis: SiteAnalysis) -> None:
    from egov_audit.checks.search_plan import plan_search
    from egov_audit.crawler import probes

    parts = urlsplit(site.home_url or site.portal_url or "")
    if not parts.hostname:
        return
    if Need.DNS in needs:
        site.probes[Need.DNS.value] = await probes.dns_probe(parts.hostname, sender.resolver)
    if Need.HTTPS in needs:
        # host:port when the portal names a port, so the probe never knocks on ports the unit does not serve.
        site.probes[Need.HTTPS.value] = await probes.https_probe(parts.netloc, sender)
    if Need.SEARCH in needs:
        # Reading the pages is CPU work: off the event loop, which goes on with the other portals.
        search = await off_loop(plan_search, site, check_options, analysis)
        await _search(site, sender, search, prior, prior_at, plan)
    if Need.LINK_STATUS in needs:
        await _link_statuses(site, sender, prior, prior_at, plan, analysis)


async def _browser_probes(browser: Any, site: CapturedSite, needs: set[Need], sender: Sender,
                          prior: dict[str, Any]) -> None:
    """Fill the rendering probes the checks declared (mobile view, axe-core) from the shared browser."""
    home = site.home
    if browser is None or home is None or not home.ok:
        return
    url = home.final_url or home.url
    for need, probe in ((Need.MOBILE, browser.mobile_probe), (Need.AXE, browser.axe_probe)):
        if need not in needs:
            continue
        if home.revisit and need.value in prior:
            site.probes[need.value] = prior[need.value]  # the home page is unchanged since that night
            continue
        result = await probe(url, sender)
        # A probe that failed leaves its key out: the check then says `unknown`, never `fail`.
        if "error" not in result:
            site.probes[need.value] = result


async def gather_probes(site: CapturedSite, needs: set[Need], sender: Sender, browser: Any,
                        check_options: checks.CheckOptions, prior: dict[str, Any] | None = None,
                        prior_at: datetime | None = None, plan: RevisitPlan | None = None,
                        analysis: SiteAnalysis | None = None) -> None:
    """Every probe ``needs`` asks for; the previous night's ``prior`` probes where they still hold.

    ``analysis``: the site's ``SiteAnalysis``, to be handed to ``checks.run_checks`` afterwards, so that the
    pages are parsed once for the probes' plans and the checks (the probes add no page)."""
    from egov_audit.checks.analysis import SiteAnalysis

    plan = plan or RevisitPlan.from_settings(sender.settings)
    analysis = analysis if analysis is not None else SiteAnalysis(site)
    await _network_probes(site, needs, sender, check_options, prior or {}, prior_at, plan, analysis)
    await _browser_probes(browser, site, needs, sender, prior or {})
