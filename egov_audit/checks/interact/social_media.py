"""interact.social: links to the unit's official social channels (Facebook page, Zalo OA, YouTube, TikTok);
a share button is not a channel."""

from __future__ import annotations

from urllib.parse import urlsplit

from egov_audit.checks.analysis import ARTICLE, SiteAnalysis, host_of
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import not_found, page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status

_SOCIAL = {"facebook.com": "Facebook", "fb.com": "Facebook", "zalo.me": "Zalo", "oa.zalo.me": "Zalo",
           "youtube.com": "YouTube", "youtu.be": "YouTube", "tiktok.com": "TikTok"}


def social(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    found: dict[str, Evidence] = {}
    for page in analysis.html_pages:
        for link in analysis.links(page):
            host = host_of(link.url)
            host = host[4:] if host.startswith(("www.", "web.")) else host.removeprefix("m.")
            name = _SOCIAL.get(host)
            path = urlsplit(link.url).path.strip("/")
            # A share button ("sharer.php") is not the unit's channel.
            if name and name not in found and link.region != ARTICLE and path and "share" not in link.url.lower():
                found[name] = page_evidence(analysis, page, f"{name}: {link.url}", link.element)
    if found:
        return Finding("interact.social", Status.PASS, value=sorted(found), evidence=list(found.values()),
                       reason="social channels linked")
    return not_found(analysis, "interact.social", "no social channel linked")


CHECK = Check(id="interact.social", title_vi="Mạng xã hội", title_en="Social media",
              needs=frozenset({Need.PAGES}), run=social)
