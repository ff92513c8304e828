"""tech.* checks: sitemap, domain, encoding, speed, images, metadata and the probe-based checks."""

from __future__ import annotations

from egov_audit.core.artifacts import Status
from tests.test_checks_support import (
    DC_HEAD,
    NV_BASE,
    finding,
    make_page,
    make_site,
    nukeviet_pages,
    nukeviet_site,
    nv,
    nv_home_main,
    replace_everywhere,
)


def _sitemap(**kwargs: object) -> dict:
    base = {"url": NV_BASE + "/sitemap.xml", "status": 200, "ok": True, "urls": [], "error": None}
    base.update(kwargs)
    return base


def test_sitemap_xml_pass_fail_unknown() -> None:
    ok = nukeviet_site(sitemap=_sitemap(urls=[NV_BASE + "/vi/", NV_BASE + "/vi/faq/"]))
    result = finding(ok, "tech.sitemap_xml")
    assert result.status == Status.PASS and result.value == 2
    missing = nukeviet_site(sitemap=_sitemap(status=404, ok=False, error="http_status"))
    assert finding(missing, "tech.sitemap_xml").status == Status.FAIL
    timeout = nukeviet_site(sitemap=_sitemap(status=None, ok=False, error="timeout"))
    assert finding(timeout, "tech.sitemap_xml").status == Status.UNKNOWN
    empty = nukeviet_site(sitemap=_sitemap(urls=[]))
    assert finding(empty, "tech.sitemap_xml").status == Status.FAIL


def test_sub_site_sitemap_is_filtered_to_scope() -> None:
    base = "https://yenphong.bacninh.gov.vn"
    home = nv("Trang chủ", nv_home_main())
    site = make_site(base, {"/web/ubnd-xa-tam-giang/": home}, "/web/ubnd-xa-tam-giang/",
                     scope=base + "/web/ubnd-xa-tam-giang/",
                     sitemap={"url": base + "/sitemap.xml", "status": 200, "ok": True, "error": None,
                              "urls": [base + "/web/ubnd-xa-dong-tien/gioi-thieu", base + "/tin-tuc"]})
    assert finding(site, "tech.sitemap_xml").status == Status.FAIL
    site.sitemap["urls"].append(base + "/web/ubnd-xa-tam-giang/gioi-thieu")  # type: ignore[index]
    result = finding(site, "tech.sitemap_xml")
    assert result.status == Status.PASS and result.value == 1


def test_gov_domain() -> None:
    assert finding(nukeviet_site(), "tech.gov_domain").status == Status.PASS
    site = make_site("https://phuong9govap.com.vn", {"/": nv("Trang chủ", "<p>x</p>")}, "/")
    assert finding(site, "tech.gov_domain").status == Status.FAIL


def test_unicode_pass_partial_fail() -> None:
    assert finding(nukeviet_site(), "tech.unicode").status == Status.PASS
    site = nukeviet_site()
    next(iter(site.pages.values())).legacy_font_encoding = "tcvn3"
    assert finding(site, "tech.unicode").status == Status.PARTIAL
    site = nukeviet_site()
    site.pages[NV_BASE + "/vi/"].encoding = "windows-1258"
    result = finding(site, "tech.unicode")
    assert result.status == Status.FAIL and result.value == "windows-1258"


def test_response_time_median() -> None:
    site = nukeviet_site()
    assert finding(site, "tech.response_time").value == 0.3
    for page in site.pages.values():
        page.ttfb_seconds = 3.0
    assert finding(site, "tech.response_time").status == Status.PARTIAL
    for page in site.pages.values():
        page.ttfb_seconds = None
    assert finding(site, "tech.response_time").status == Status.UNKNOWN


def test_images_alt_rules_for_linked_and_plain_images() -> None:
    main = ('<a href="/vi/a.html"><img src="/1.png" alt=""></a>'  # linked, empty alt, no text: bad
            '<a href="/vi/b.html"><img src="/2.png" alt="">Tin ảnh</a>'  # linked with text: good
            '<img src="/3.png" alt="">'  # decorative, not a link: good
            '<img src="/4.png">')  # no alt at all: bad
    site = make_site(NV_BASE, {"/vi/": nv("Trang chủ", main)}, "/vi/")
    result = finding(site, "tech.images_alt")
    assert result.value == 0.6 and result.status == Status.PARTIAL  # 3 of 5 with the logo
    assert result.evidence and result.evidence[0].locator


def test_metadata_pass_partial_fail() -> None:
    assert finding(nukeviet_site(), "tech.metadata").status == Status.PARTIAL  # articles only
    pages = nukeviet_pages(**{"/vi/": nv("Trang chủ", nv_home_main(), DC_HEAD.format(t="Trang chủ"))})
    assert finding(nukeviet_site(pages=pages), "tech.metadata").status == Status.PASS
    bare = replace_everywhere(nukeviet_pages(), '<meta name="DC.title"', '<meta name="og:title"')
    assert finding(nukeviet_site(pages=bare), "tech.metadata").status == Status.FAIL


def test_sitemap_html_page() -> None:
    links = "".join(f'<li><a href="/vi/page-{i}/">Mục {i}</a></li>' for i in range(8))
    pages = replace_everywhere(nukeviet_pages(), '<li><a href="/vi/contact/">LIÊN HỆ</a></li>',
                               '<li><a href="/vi/contact/">LIÊN HỆ</a></li><li><a href="/vi/siteterms/">Sơ đồ cổng</a></li>')
    pages["/vi/siteterms/"] = nv("Sơ đồ cổng", f"<h1>Sơ đồ cổng</h1><ul>{links}</ul>")
    assert finding(nukeviet_site(pages=pages), "tech.sitemap_html").status == Status.PASS
    pages["/vi/siteterms/"] = nv("Sơ đồ cổng", "<h1>Sơ đồ cổng</h1><p>Đang xây dựng</p>")
    assert finding(nukeviet_site(pages=pages), "tech.sitemap_html").status == Status.PARTIAL
    assert finding(nukeviet_site(), "tech.sitemap_html").status == Status.FAIL


def test_probe_checks_read_their_probes() -> None:
    site = nukeviet_site(probes={
        "https": {"https_ok": True, "https_status": 200, "https_error": None, "http_status": 200,
                  "http_redirects_to_https": False, "http_location": None, "http_error": None},
        "mobile": {"viewport_meta": "width=device-width, initial-scale=1", "scroll_width": 390, "client_width": 390},
        "axe": {"violations": [{"id": "color-contrast", "impact": "serious", "nodes": 4}]},
        "dns": {"aaaa": []},
        "link_status": {NV_BASE + "/vi/about/": 404, NV_BASE + "/vi/about/Dieu-kien-tu-nhien.html": 200},
    })
    assert finding(site, "tech.https").status == Status.PARTIAL
    assert finding(site, "tech.mobile").status == Status.PASS
    axe = finding(site, "tech.accessibility")
    assert axe.status == Status.PARTIAL and axe.value == 1
    assert finding(site, "tech.ipv6").status == Status.FAIL
    broken = finding(site, "tech.broken_links")
    # One broken link (/vi/about/, known from the probe) among the internal links seen on the pages.
    assert broken.evidence[0].url == NV_BASE + "/vi/about/" and len(broken.evidence) == 1
    assert 0.02 < broken.value <= 0.10 and broken.status == Status.PARTIAL
    site.probes["mobile"]["scroll_width"] = 980
    assert finding(site, "tech.mobile").status == Status.FAIL


def _https_probe(**values: object) -> dict[str, object]:
    probe: dict[str, object] = {"https_ok": False, "https_status": None, "https_error": None, "http_status": None,
                                "http_redirects_to_https": None, "http_location": None, "http_error": None}
    probe.update(values)
    return probe


def test_https_with_redirect_passes_and_bad_certificate_fails() -> None:
    passing = _https_probe(https_ok=True, https_status=200, http_status=301, http_redirects_to_https=True,
                           http_location="https://xa.example.gov.vn/")
    assert finding(nukeviet_site(probes={"https": passing}), "tech.https").status == Status.PASS
    bad_cert = _https_probe(https_error="tls", http_status=200)
    assert finding(nukeviet_site(probes={"https": bad_cert}), "tech.https").status == Status.FAIL
    refused = _https_probe(https_error="connect_refused", http_status=200)
    assert finding(nukeviet_site(probes={"https": refused}), "tech.https").status == Status.FAIL


def test_https_probe_without_answer_is_unknown() -> None:
    timed_out = _https_probe(https_error="timeout", http_status=200)
    assert finding(nukeviet_site(probes={"https": timed_out}), "tech.https").status == Status.UNKNOWN
    assert finding(nukeviet_site(), "tech.https").status == Status.UNKNOWN


def test_search_probe() -> None:
    target = NV_BASE + "/vi/news/tin-tuc-su-kien/hoi-nghi-tong-ket-cong-tac-nam-2026-101.html"
    result_html = f'<html><body><a href="{target}">Hội nghị tổng kết công tác năm 2026</a></body></html>'
    probe = {"form_url": NV_BASE + "/vi/", "query": "Hội nghị tổng kết công tác năm 2026",
             "result_url": NV_BASE + "/vi/seek/?q=x", "result_html": result_html, "error": None, "target_url": target}
    assert finding(nukeviet_site(probes={"search": probe}), "tech.search").status == Status.PASS
    nothing = dict(probe, result_html="<html><body><p>Không tìm thấy kết quả</p></body></html>")
    assert finding(nukeviet_site(probes={"search": nothing}), "tech.search").status == Status.PARTIAL
    other = dict(probe, result_url="https://www.google.com/search?q=x")
    assert finding(nukeviet_site(probes={"search": other}), "tech.search").status == Status.UNKNOWN


def test_reachable_home_that_timed_out_fails() -> None:
    site = nukeviet_site()
    site.pages[site.home_url] = make_page(site.home_url, None, status=None, error="timeout")  # type: ignore[index]
    assert finding(site, "tech.reachable").status == Status.FAIL
