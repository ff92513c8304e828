"""The bundled sample province: real loopback servers, realistic pages, files for the units/survey import."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import httpx
import pytest
import yaml

from egov_audit.demo import COVERED_CHECKS, DemoProvince, SectionState
from egov_audit.demo.expected_labels import expected_values, province_labels
from egov_audit.demo.province import SURVEY_FIELDS
from egov_audit.demo.sitegen import vn_today

CONFIG = Path(__file__).resolve().parent.parent / "config"
FROZEN_TODAY = date(2024, 3, 5)
UA = "egov-audit-tests/1.0"


@pytest.fixture(scope="module")
def province() -> Iterator[DemoProvince]:
    with DemoProvince() as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10, headers={"User-Agent": UA}) as http:
        yield http


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def test_home_pages_answer_200_in_utf8_nfc(province: DemoProvince, client: httpx.Client) -> None:
    for code, portal in province.portals.items():
        response = client.get(province.portal_url(code), follow_redirects=True)
        assert response.status_code == 200, code
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        text = response.content.decode("utf-8")
        assert unicodedata.is_normalized("NFC", text)
        assert portal.site_title in text


def test_liferay_host_redirects_to_its_default_site(province: DemoProvince, client: httpx.Client) -> None:
    response = client.get(province.portal_url("258"))
    assert response.status_code == 302
    assert response.headers["location"] == "/web/guest/"
    assert province.portal("258").base_url.endswith("/web/guest/")


def test_nukeviet_style_urls_menus_and_footer(province: DemoProvince, client: httpx.Client) -> None:
    html = client.get(province.portal_url("09205")).text
    for label in ("Giới thiệu", "Cơ cấu tổ chức", "Tin Tức", "Văn bản", "Lịch làm việc", "Dịch vụ công trực tuyến",
                  "Hỏi đáp", "Liên hệ", "Cơ quan chủ quản", "Chịu trách nhiệm chính", "NukeViet v4.5"):
        assert label in html
    links = links_of(html)
    assert any(link.startswith("/vi/news/tin-hoat-dong/") and link.endswith(".html") for link in links)
    assert {"/vi/laws/", "/vi/faq/", "/vi/contact/", "/vi/about/gioi-thieu-chung.html"} <= set(links)
    assert "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html" in links


def test_liferay_style_urls_and_all_caps_blocks(province: DemoProvince, client: httpx.Client) -> None:
    html = client.get(province.portal("258").base_url).text
    links = links_of(html)
    assert "/web/guest/hoi-ap" in links  # "đ" dropped, as Liferay does
    assert any("/-/view_content/" in link and link.endswith(".html") for link in links)
    assert "TIN TỨC - SỰ KIỆN" in html and "LIÊN KẾT WEBSITE" in html


def test_subsite_commune_lives_under_the_district_host(province: DemoProvince, client: httpx.Client) -> None:
    district, commune = province.portal("258"), province.portal("09202")
    url = province.portal_url("09202")
    assert urlsplit(url).netloc == urlsplit(district.base_url).netloc
    assert url == province.scope("09202") and urlsplit(url).path == "/web/ubnd-xa-tam-giang/"
    response = client.get(url)
    assert response.status_code == 200 and "xã Tam Giang" in response.text
    internal = [urljoin(url, link) for link in links_of(response.text) if link.startswith("/web/")]
    assert internal and all(link.startswith(url) for link in internal)
    assert any(r.path == "/web/ubnd-xa-tam-giang/" for r in commune.requests())
    assert not any(r.path.startswith("/web/ubnd-xa-tam-giang/") for r in district.requests())
    # The district links to its sub-site commune, which a district crawl must leave out (other scope).
    assert url in links_of(client.get(district.base_url).text)


def test_down_portal_refuses_connections(province: DemoProvince, client: httpx.Client) -> None:
    url = province.portal_url("09193")
    assert urlsplit(url).hostname == "127.0.0.1"
    with pytest.raises(httpx.ConnectError):
        client.get(url)


def test_article_dates_follow_a_frozen_today(client: httpx.Client) -> None:
    with DemoProvince(today=FROZEN_TODAY) as frozen:
        portal = frozen.portal("09238")  # stale commune: newest article 120 days old
        article = min(portal.articles, key=lambda a: a.age_days)
        assert article.age_days == 120
        html = client.get(portal.origin + portal.article_href(article)).text
        assert (FROZEN_TODAY - timedelta(days=120)).strftime("%d/%m/%Y") in html


def test_article_dates_track_today_in_vietnam(province: DemoProvince, client: httpx.Client) -> None:
    portal = province.portal("09205")
    article = min(portal.articles, key=lambda a: a.age_days)
    before = vn_today()
    html = client.get(portal.origin + portal.article_href(article)).text
    after = vn_today()  # the request may straddle midnight in Asia/Ho_Chi_Minh
    shown = {(day - timedelta(days=article.age_days)).strftime("%d/%m/%Y") for day in (before, after)}
    assert any(text in html for text in shown)


def test_question_form_is_on_the_page_and_posts_are_counted(province: DemoProvince, client: httpx.Client) -> None:
    portal = province.portal("09205")
    qa_url = portal.origin + portal.section_href("qa")
    html = client.get(qa_url).text
    assert "<textarea" in html and 'method="post"' in html and "Trả lời:" in html
    assert portal.post_count == 0
    response = client.post(qa_url, data={"name": "Kiểm thử", "content": "Câu hỏi thử"})
    assert response.status_code == 200
    assert portal.post_count == 1
    assert province.post_counts()["09205"] == 1
    # A commune without Q&A carries its form on the contact page.
    phat_tich = province.portal("09349")
    assert "<textarea" in client.get(phat_tich.origin + phat_tich.section_href("contact")).text


def test_request_log_records_method_path_and_user_agent(province: DemoProvince, client: httpx.Client) -> None:
    portal = province.portal("09334")
    client.get(portal.base_url + "?lan=1")
    record = [r for r in province.request_log["09334"] if r.path.endswith("?lan=1")][-1]
    assert (record.method, record.user_agent, record.status) == ("GET", UA, 200)


def test_qa_without_answers_and_placeholders(province: DemoProvince, client: httpx.Client) -> None:
    lien_bao = province.portal("09334")
    html = client.get(lien_bao.origin + lien_bao.section_href("qa")).text
    assert "Chưa có câu trả lời" in html and "Trả lời:" not in html and "<textarea" not in html
    phat_tich = province.portal("09349")
    assert "Nội dung đang cập nhật" in client.get(phat_tich.origin + phat_tich.section_href("introduction")).text
    tien_du = province.portal("260")
    assert client.get(tien_du.origin + tien_du.section_href("work_schedule")).status_code == 404


def test_every_internal_link_opens_except_planned_broken_sections(province: DemoProvince, client: httpx.Client) -> None:
    for code, portal in province.portals.items():
        broken = {portal.origin + portal.section_href(k) for k, s in portal.spec.sections.items()
                  if s is SectionState.BROKEN}
        scope = portal.base_url
        seen, queue = {scope}, [scope]
        while queue:
            url = queue.pop()
            response = client.get(url)
            expected = 404 if url in broken else 200
            assert response.status_code == expected, (code, url)
            if not response.headers["content-type"].startswith("text/html"):
                continue
            for link in links_of(response.text):
                target = urljoin(url, link).split("#", 1)[0]
                if target.startswith(scope) and "/c/portal/" not in target and target not in seen:
                    seen.add(target)
                    queue.append(target)
        assert len(seen) > 8, code


def test_document_and_form_files_are_real(province: DemoProvince, client: httpx.Client) -> None:
    portal = province.portal("258")
    pdfs = [p for p in portal.files if p.endswith(".pdf")]
    docx = [p for p in portal.files if p.endswith(".docx")]
    assert pdfs and docx
    pdf = client.get(portal.origin + pdfs[0])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-1.4")
    word = client.get(portal.origin + docx[0]).content
    with zipfile.ZipFile(io.BytesIO(word)) as archive:
        assert "word/document.xml" in archive.namelist()
    docs = client.get(portal.origin + portal.section_href("legal_documents")).text
    assert all(label in docs for label in ("Số ký hiệu", "Ngày ban hành", "Trích yếu"))


def test_search_finds_generated_articles_and_a_broken_search_finds_nothing(
        province: DemoProvince, client: httpx.Client) -> None:
    portal = province.portal("09205")
    article = min(portal.articles, key=lambda a: a.age_days)
    result = client.get(portal.origin + "/vi/seek/", params={"q": article.title}).text
    assert portal.article_href(article) in links_of(result)
    tien_du = province.portal("260")
    title = tien_du.articles[0].title
    result = client.get(tien_du.origin + "/vi/seek/", params={"q": title}).text
    assert "Không tìm thấy" in result and tien_du.article_href(tien_du.articles[0]) not in links_of(result)
    district = province.portal("258")
    hit = client.get(district.base_url + "tim-kiem", params={"keywords": district.articles[0].title}).text
    assert district.article_href(district.articles[0]) in links_of(hit)


def test_robots_and_sitemaps(province: DemoProvince, client: httpx.Client) -> None:
    district = province.portal("258")
    robots = client.get(district.origin + "/robots.txt").text
    assert "Disallow: /c/" in robots and f"Sitemap: {district.origin}/sitemap.xml" in robots
    tree = ElementTree.fromstring(client.get(district.origin + "/sitemap.xml").content)
    locs = [el.text for el in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert district.base_url in locs and province.portal_url("09202") in locs
    scoped = client.get(province.scope("09202") + "sitemap.xml")
    assert scoped.status_code == 200 and province.portal_url("09202") in scoped.text
    assert client.get(province.portal("260").origin + "/sitemap.xml").status_code == 404
    assert "Disallow: /vi/users/" in client.get(province.portal("09205").origin + "/robots.txt").text


def test_untrusted_markup_is_served_for_escaping_tests(province: DemoProvince, client: httpx.Client) -> None:
    portal = province.portal("09349")
    html = client.get(portal.origin + portal.article_href(portal.articles[0])).text
    assert "<script>window.__egovDemoUntrusted" in html and "onerror=" in html


def test_units_csv_lists_every_unit_with_live_urls(province: DemoProvince, tmp_path: Path) -> None:
    path = province.units_csv(tmp_path / "units.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["code", "name", "level", "province_code", "parent_code", "portal_url", "scope"]
        rows = {row["code"]: row for row in reader}
    assert len(rows) == 10
    assert rows["27"]["level"] == "province" and rows["258"]["parent_code"] == "27"
    communes = [r for r in rows.values() if r["level"] == "commune"]
    assert len(communes) == 7 and all(len(r["code"]) == 5 and r["parent_code"] in ("258", "260") for r in communes)
    assert rows["09202"]["scope"] == province.scope("09202") != ""
    assert rows["09193"]["portal_url"] == province.portal_url("09193")
    assert rows["09319"]["portal_url"] == ""
    assert {r["province_code"] for r in rows.values()} == {"27"}


def test_survey_csv_has_criteria_columns_and_one_missing_unit(province: DemoProvince, tmp_path: Path) -> None:
    fields = [f["id"] for f in yaml.safe_load((CONFIG / "survey_fields.yaml").read_text(encoding="utf-8"))["fields"]]
    assert list(SURVEY_FIELDS) == fields
    path = province.survey_csv(tmp_path / "survey.csv", year=2024)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["unit_code", "year", *fields]
        rows = {row["unit_code"]: row for row in reader}
    assert "09193" not in rows and "27" not in rows and len(rows) == 8
    assert all(row["year"] == "2024" and all(row[f] != "" for f in fields) for row in rows.values())
    for row in rows.values():
        assert int(row["staff_with_computer"]) <= int(row["staff_total"])
        assert int(row["dossiers_online"]) <= int(row["dossiers_total"])
    assert rows["09238"]["publishes_qa"] == "1" and rows["260"]["has_english"] == "có"


def test_expected_labels_give_an_interesting_province(province: DemoProvince) -> None:
    labels = province_labels(province)
    assert set(labels) == {u.code for u in province.units}
    assert all(set(by_check) == set(COVERED_CHECKS) for by_check in labels.values())
    assert labels["09238"]["fresh.news"] == "fail"
    assert expected_values(province.portal("09238"))["fresh.news"] == 120
    assert labels["260"]["fresh.news"] == "partial"  # 12 days: over the district limit of 7
    assert labels["09334"]["interact.qa"] == "partial"
    assert labels["09349"]["info.introduction"] == "partial" and labels["09349"]["info.news"] == "partial"
    assert labels["09193"]["tech.reachable"] == "fail" and labels["09193"]["info.news"] == "unknown"
    assert labels["258"]["service.payment"] == "pass"
    assert expected_values(province.portal("258"))["service.levels_shown"] == 6


def test_covered_checks_are_catalogue_ids() -> None:
    from egov_audit.checks.catalogue import CHECK_IDS

    assert set(COVERED_CHECKS) <= set(CHECK_IDS)


def test_stop_closes_every_port(client: httpx.Client) -> None:
    running = DemoProvince().start()
    url = running.portal_url("09205")
    assert client.get(url).status_code == 200
    running.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.Client(trust_env=False).get(url)
