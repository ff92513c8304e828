"""tech.https: served over HTTPS with a valid certificate, and plain HTTP redirects to it (CRITERIA.md §2).

Reads the HTTPS probe: ``{"https_ok", "https_status", "https_error", "http_status",
"http_redirects_to_https", "http_location", "http_error"}`` (errors are failure classes). No answer is not
proof of no HTTPS: then ``unknown``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from egov_audit.checks.analysis import SiteAnalysis, host_of
from egov_audit.checks.declaration import Check
from egov_audit.checks.options import CheckOptions
from egov_audit.core.artifacts import Evidence, Finding, Need, Status

# Failure classes that mean the probe got no answer at all.
_NO_ANSWER = ("timeout", "connection_reset", "dns", "private_address", "other")


def https(analysis: SiteAnalysis, options: CheckOptions) -> Finding:
    probe = analysis.site.probes.get("https") or {}
    url = analysis.site.portal_url or ""
    https_url = "https://" + (urlsplit(url).netloc or host_of(url)) + "/"
    error = probe.get("https_error")
    if not probe.get("https_ok"):
        if error in _NO_ANSWER or (error is None and probe.get("https_status") is None):
            return Finding("tech.https", Status.UNKNOWN, reason=f"HTTPS probe got no answer ({error})",
                           looked_at=[https_url])
        why = "certificate or TLS handshake not valid" if error == "tls" else f"HTTPS does not answer ({error or probe.get('https_status')})"
        return Finding("tech.https", Status.FAIL, reason=why, looked_at=[https_url])
    if not probe.get("http_redirects_to_https"):
        return Finding("tech.https", Status.PARTIAL, reason="plain HTTP does not redirect to HTTPS",
                       evidence=[Evidence(url=https_url)])
    return Finding("tech.https", Status.PASS, reason="HTTPS with a valid certificate; HTTP redirects",
                   evidence=[Evidence(url=https_url)])


CHECK = Check(id="tech.https", title_vi="HTTPS", title_en="HTTPS",
              needs=frozenset({Need.HOME, Need.HTTPS}), run=https)
