"""The labelled farm (issue 4): the farm itself is sound, and the real crawler + checks agree with its labels.

The first tests need only the generator: 30+ portals in five platform styles start, every internal link
opens (except the planted broken ones), the planted near-misses are really in the pages, and the labels
follow the CRITERIA rules for them. The last test crawls every portal concurrently with the real crawler,
runs ``checks.run_checks`` and requires, per implemented check, agreement ≥ 0.95 and pass precision ≥ 0.97.
``pytest -s`` prints the per-check table; it is also written to ``<tmp>/farm_agreement.json``.
"""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from egov_audit.demo.expected_labels import (
    COVERED_CHECKS,
    expected_values,
    province_labels,
    rendering_dependent_checks,
)
from egov_audit.demo.sitegen import Portal
from egov_audit.demo.spec_values import SectionState
from tests.farm.specs import FarmProvince

CONFIG = Path(__file__).resolve().parent.parent / "config"
MIN_AGREEMENT = 0.95
MIN_PASS_PRECISION = 0.97


@pytest.fixture(scope="module")
def farm() -> Iterator[FarmProvince]:
    with FarmProvince() as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as http:
        yield http


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def get(client: httpx.Client, portal: Portal, href: str) -> httpx.Response:
    return client.get(urljoin(portal.base_url, href))


def test_farm_has_thirty_portals_in_five_styles(farm: FarmProvince) -> None:
    styles = Counter(farm.styles().values())
    assert len(farm.portals) >= 30
    assert set(styles) == {"nukeviet", "liferay", "sharepoint", "dnn", "provincial"}
    assert min(styles.values()) >= 5
    # Every portal on its own loopback port.
    assert len({urlsplit(farm.portal_url(code)).port for code in farm.portals}) == len(farm.portals)


async def _walk(portal: Portal) -> dict[str, int]:
    """Breadth-first over every in-scope link of one portal: URL → status."""
    seen: dict[str, int] = {}
    queue = [portal.base_url]
    async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
        while queue:
            batch, queue = queue[:8], queue[8:]
            responses = await asyncio.gather(*(http.get(url, follow_redirects=True) for url in batch))
            for url, response in zip(batch, responses, strict=True):
                seen[url] = response.status_code
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue
                for link in links_of(response.text):
                    target = urljoin(url, link).split("#", 1)[0]
                    if target.startswith(portal.origin) and "login" not in target.lower() and target not in seen \
                            and target not in queue and target not in batch:
                        seen.setdefault(target, 0)
                        queue.append(target)
    return seen


def test_every_internal_link_opens_except_the_planted_broken_ones(farm: FarmProvince) -> None:
    async def main() -> dict[str, dict[str, int]]:
        codes = list(farm.portals)
        results = await asyncio.gather(*(_walk(farm.portal(code)) for code in codes))
        return dict(zip(codes, results, strict=True))

    walked = asyncio.run(main())
    for code, statuses in walked.items():
        portal = farm.portal(code)
        broken = {urljoin(portal.base_url, portal.section_href(k)) for k, s in portal.spec.sections.items()
                  if s is SectionState.BROKEN}
        if not portal.spec.articles_open:
            broken |= {urljoin(portal.base_url, portal.article_href(a)) for a in portal.articles}
        for url, status in statuses.items():
            assert status == (404 if url in broken else 200), (code, url, status)
        # Body-only sections open, although only an article links them.
        for key in portal.spec.body_only_sections:
            assert statuses.get(urljoin(portal.base_url, portal.section_href(key))) == 200, (code, key)
        assert len(statuses) >= 4, code


def test_labels_cover_every_check_and_vary(farm: FarmProvince) -> None:
    labels = province_labels(farm)
    assert all(set(by_check) == set(COVERED_CHECKS) for by_check in labels.values())
    spread = {check: {labels[code][check] for code in labels} for check in COVERED_CHECKS}
    # The farm must be able to catch a check that always says pass (or always fail).
    varied = [check for check, seen in spread.items() if len(seen) >= 2]
    assert len(varied) >= 30, spread
    three_way = [check for check, seen in spread.items() if {"pass", "partial", "fail"} <= seen]
    assert {"info.contact", "info.budget", "fresh.news", "interact.qa", "tech.metadata"} <= set(three_way)


def test_near_miss_labels_follow_the_criteria_rules(farm: FarmProvince) -> None:
    labels = province_labels(farm)
    assert labels["99008"]["interact.qa"] == "fail"  # "hỏi đáp" only in an article body
    assert labels["99009"]["info.plans"] == "fail"  # "Triển khai kế hoạch …" is a news item
    assert (labels["99010"]["info.contact"], labels["99010"]["interact.hotline"]) == ("partial", "pass")
    assert (labels["99011"]["interact.email"], labels["99011"]["info.contact"]) == ("fail", "partial")
    assert labels["99012"]["interact.qa"] == "partial"
    assert labels["99013"]["info.introduction"] == "partial"
    assert labels["99014"]["info.budget"] == "fail"  # linked only inside an article body
    assert labels["99015"]["info.budget"] == labels["99015"]["info.plans"] == "partial"  # another .gov.vn host
    assert labels["99016"]["info.legal_documents"] == "partial"
    assert labels["99017"]["fresh.news"] == "fail" and labels["99018"]["fresh.news"] == "partial"
    assert labels["99020"]["fresh.news"] == "fail" and labels["99020"]["info.news"] == "fail"
    assert labels["99026"]["tech.search"] == "unknown" and labels["99027"]["tech.search"] == "partial"
    assert labels["99029"]["info.work_schedule"] == "partial" and labels["99029"]["info.news"] == "partial"
    assert labels["99030"]["fresh.news"] == "partial" and labels["99030"]["fresh.documents"] == "partial"
    assert labels["99006"]["interact.question_form"] == labels["99007"]["interact.question_form"] == "fail"
    assert labels["99003"]["interact.question_form"] == "pass"
    assert labels["99033"]["service.levels_shown"] == "pass"
    assert expected_values(farm.portal("99033"))["service.levels_shown"] == 0
    assert rendering_dependent_checks(farm.portal("99025")) >= {"info.introduction", "interact.qa"}
    assert not rendering_dependent_checks(farm.portal("99001"))


def test_planted_traps_are_in_the_pages(farm: FarmProvince, client: httpx.Client) -> None:
    def home(code: str) -> str:
        return client.get(farm.portal_url(code), follow_redirects=True).text

    nfd = home("99022")
    assert not unicodedata.is_normalized("NFC", nfd) and unicodedata.is_normalized("NFD", nfd)
    assert "Uỷ ban" in home("99021") and "Ủy ban" not in home("99021")
    assert "HỎI ĐÁP" in home("99023")
    hidden = home("99011")
    portal = farm.portal("99011")
    assert f"<!-- Email liên hệ: {portal.email} -->" in hidden and f"mailto:{portal.email}" not in hidden
    assert hidden.count(portal.email) == 2  # the comment and the script, nowhere visible
    assert re.search(r"hạn nộp hồ sơ đến hết ngày \d\d/\d\d/\d{4}", home("99017"))
    js = farm.portal("99025")
    assert js.section_href("qa") not in links_of(home("99025")) and js.section_href("qa") in home("99025")
    assert "ngày" in home("99004") and "tháng" in home("99004")  # DNN header date in words
    # The external search form and the other-host section links.
    assert 'action="https://timkiem.bacninh.gov.vn/tim-kiem"' in client.get(farm.portal("99026").base_url).text
    assert any(link.startswith("https://bacninh.gov.vn/") for link in links_of(home("99015")))


def test_aspnet_pages_are_one_postback_form(farm: FarmProvince, client: httpx.Client) -> None:
    for code in ("99003", "99004"):
        portal = farm.portal(code)
        page = get(client, portal, portal.section_href("qa")).text
        assert page.count("<form") == 1 and 'name="__VIEWSTATE"' in page
        assert page.count("<textarea") == 2  # the chrome's hidden one and the question field
    without = farm.portal("99006")
    page = get(client, without, without.section_href("qa")).text
    assert page.count("<textarea") == 1 and 'style="display:none;"' in page and 'type="submit"' in page
    sharepoint = farm.portal("99003")
    assert re.fullmatch(r"/portal/Pages/\d{4}-\d{1,2}-\d{1,2}/[A-Z][a-z0-9-]+-\d+\.aspx",
                        sharepoint.article_href(sharepoint.articles[0]))
    assert sharepoint.section_href("qa") == "/Pages/hoidap.aspx"
    dnn = farm.portal("99004")
    assert dnn.section_href("news").startswith("/Default.aspx?tabid=")
    article = dnn.articles[0]
    response = get(client, dnn, dnn.article_href(article))
    assert response.status_code == 200 and article.title in response.text
    # The DNN search submits as a GET to /Default.aspx with the tab in a hidden field.
    result = client.get(dnn.origin + "/Default.aspx", params={"__VIEWSTATE": "x", "Search": article.title, "tabid": "99"})
    assert dnn.article_href(article) in links_of(result.text)
    provincial = farm.portal("99005")
    assert re.fullmatch(r"/[a-z-]+/[a-z0-9-]+-\d{12,}\.htm", provincial.article_href(provincial.articles[0]))


# ----------------------------------------------------------------------------------- agreement


@pytest.fixture(scope="module")
def report(farm: FarmProvince, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tests.farm.agreement import format_table, measure_agreement

    result = measure_agreement(farm, config_dir=CONFIG)
    out = tmp_path_factory.mktemp("farm") / "farm_agreement.json"
    out.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print("\n" + format_table(result) + f"\n(written to {out})")
    return result


def test_every_farm_portal_was_crawled(report) -> None:  # type: ignore[no-untyped-def]
    assert report.portals >= 30
    assert set(report.crawl_status.values()) <= {"ok"}, report.crawl_status
    assert all(pages >= 4 for pages in report.pages.values()), report.pages


def test_checks_agree_with_the_farm_labels(report) -> None:  # type: ignore[no-untyped-def]
    measured = report.measured()
    assert measured, "no implemented check could be measured"
    failing = [(row.check, row.agreement, row.pass_precision, row.disagreements) for row in measured
               if row.agreement < MIN_AGREEMENT
               or (row.pass_precision is not None and row.pass_precision < MIN_PASS_PRECISION)]
    assert not failing, "\n".join(map(str, failing))
