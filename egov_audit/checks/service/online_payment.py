"""service.payment: online payment of fees (*Thanh toán trực tuyến*): a link to a payment platform, or the
function as a form or a link to one."""

from __future__ import annotations

from egov_audit.checks.analysis import ARTICLE, SiteAnalysis, host_of
from egov_audit.checks.declaration import Check
from egov_audit.checks.findings import page_evidence
from egov_audit.checks.options import CheckOptions
from egov_audit.checks.service.service_functions import function_check
from egov_audit.core.artifacts import Finding, Need, Status

_PAYMENT_HOSTS = ("vnpay", "payoo", "paygov", "thanhtoan", "momo", "napas")


def payment(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    for page in analysis.html_pages:
        for link in analysis.links(page):
            host = host_of(link.url)
            if link.region != ARTICLE and any(p in host for p in _PAYMENT_HOSTS):
                return Finding("service.payment", Status.PASS, value=link.url, reason=f"payment platform {host}",
                               evidence=[page_evidence(analysis, page, f"{link.text} → {link.url}", link.element)])
    return function_check(analysis, options, "service.payment", "payment")


CHECK = Check(id="service.payment", title_vi="Thanh toán trực tuyến", title_en="Online payment",
              needs=frozenset({Need.PAGES}), run=payment)
