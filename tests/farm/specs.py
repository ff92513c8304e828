"""The farm's portals: one plain-data ``PortalSpec`` per portal, each planting one or more near-misses.

Nothing here says what a check should find: labels come from ``egov_audit.demo.expected_labels``, which derives
them from the spec by the rules of CRITERIA.md (tests/farm/README.md lists them). A row only says what
the portal *is* (which sections, in what state, which trap), so adding a portal cannot mislabel it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from egov_audit.demo.portal_spec import PortalSpec, Service
from egov_audit.demo.province import UnitDef
from egov_audit.demo.server import DemoProvince
from egov_audit.demo.spec_values import SECTION_KEYS, Metadata, SearchMode, SectionState

P, H, B = SectionState.PRESENT, SectionState.PLACEHOLDER, SectionState.BROKEN
FARM_PROVINCE = "99"
"""Not a real province code: farm units never mix with the sample province's."""

_FULL = tuple(k for k in SECTION_KEYS if k not in ("english", "forms"))
_SERVICES = (Service("Đăng ký khai sinh", "Toàn trình"), Service("Đăng ký kết hôn", "Mức độ 4"),
             Service("Chứng thực bản sao từ bản chính", "Mức độ 3"), Service("Đăng ký thường trú", "Một phần"))
_PARTIAL_ONLY = (Service("Đăng ký thường trú", "Một phần"), Service("Xác nhận tình trạng hôn nhân", "Mức độ 2"))


def _base(code: str, name: str, style: str, level: str = "commune") -> dict[str, Any]:
    """A good portal of its style: every section present, fresh news, answered Q&A, contacts, services."""
    return dict(
        code=code, name=name, level=level, style=style, parent_name="tỉnh Bắc Ninh",
        sections={key: P for key in _FULL}, news_ages=(1, 3, 5, 8, 12), direction_ages=(2, 9),
        document_ages=(4, 30, 120), question_form=True, services=_SERVICES, dossier_lookup=True, payment=True,
        satisfaction=True, service_statistics=True, social=True,
    )


def _without(sections: dict[str, SectionState], *keys: str) -> dict[str, SectionState]:
    return {k: v for k, v in sections.items() if k not in keys}


def _specs() -> list[PortalSpec]:
    rows: list[tuple[str, str, str, str, dict[str, Any]]] = [
        # (code, name, style, level, overrides of _base). Comments name the trap each row plants.
        ("99001", "Huyện Quế Võ", "nukeviet", "district", dict(news_ages=(1, 2, 4, 6), downloadable_forms=True)),
        ("99002", "Xã Đông Phong", "liferay", "commune", dict(downloadable_forms=True)),
        # ASP.NET with a real question form in the Q&A content (inside the page's one big form).
        ("99003", "Xã Hán Quảng", "sharepoint", "commune", dict(downloadable_forms=True)),
        ("99004", "Xã Phù Lãng", "dnn", "commune", dict()),
        ("99005", "Phường Đại Phúc", "provincial", "commune", dict(downloadable_forms=True)),
        # ASP.NET, no question form: the chrome's hidden textarea and the search button are not one.
        ("99006", "Xã Bằng An", "sharepoint", "commune", dict(question_form=False)),
        ("99007", "Xã Cách Bi", "dnn", "commune", dict(question_form=False)),
        # An article says "hỏi đáp", but there is no Q&A section (and the form then sits on the contact page).
        ("99008", "Xã Việt Hùng", "nukeviet", "commune", dict(article_mentions_qa=True, _drop=("qa",))),
        # News titled "Triển khai kế hoạch …" (5th news item), but no plans section.
        ("99009", "Xã Mộ Đạo", "provincial", "commune", dict(_drop=("plans",))),
        # Leaders' phones but no office phone.
        ("99010", "Xã Chi Lăng", "liferay", "commune", dict(contact_phone=False)),
        # E-mail only in an HTML comment and a script.
        ("99011", "Xã Yên Giả", "nukeviet", "commune", dict(contact_email=False, hidden_email=True)),
        # Q&A with questions only.
        ("99012", "Xã Châu Phong", "sharepoint", "commune", dict(qa_answered=False, question_form=False)),
        # "Nội dung đang cập nhật" placeholders.
        ("99013", "Xã Đức Long", "dnn", "commune", dict(_set={"introduction": H, "organization": H, "budget": H})),
        # A section linked only inside an article body.
        ("99014", "Xã Nhân Hòa", "provincial", "commune", dict(body_only_sections=("budget",))),
        # Section links to another .gov.vn host.
        ("99015", "Xã Bồng Lai", "nukeviet", "commune", dict(_drop=("budget", "plans"),
                                                             external_sections=("budget", "plans"))),
        # A document list without files.
        ("99016", "Xã Cẩm Giang", "liferay", "commune", dict(documents_have_files=False)),
        # Stale news and a future deadline on the home page.
        ("99017", "Xã Thái Bảo", "sharepoint", "commune", dict(news_ages=(120, 130, 140), direction_ages=(125,),
                                                               future_deadline=True)),
        ("99018", "Xã Lâm Thao", "dnn", "commune", dict(news_ages=(40, 45, 60), direction_ages=(50,),
                                                       future_deadline=True)),
        ("99019", "Thị xã Thuận Thành", "provincial", "district", dict(news_ages=(5, 6, 9, 20))),
        # No news at all, only today's date in the header.
        ("99020", "Xã Song Liễu", "nukeviet", "commune", dict(_drop=("news", "direction"), news_ages=(),
                                                             direction_ages=())),
        # The other tone-mark style ("Hoà", "Uỷ ban", "hoá").
        ("99021", "Xã Hòa Tiến", "liferay", "commune", dict(old_tones=True)),
        # Every page in NFD.
        ("99022", "Xã Thủy Hà", "sharepoint", "commune", dict(nfd=True)),
        # ALL CAPS menus.
        ("99023", "Xã Tân Chi", "dnn", "commune", dict(caps_menu=True)),
        ("99024", "Phường Võ Cường", "provincial", "commune", dict(caps_menu=True, old_tones=True, nfd=True)),
        # A JavaScript-only main menu (no HTML site map, no sitemap.xml to find sections by).
        ("99025", "Xã Tri Phương", "nukeviet", "commune", dict(js_menu=True, sitemap_xml=False,
                                                              _drop=("sitemap_html",))),
        # Search forms: posting to another host, finding nothing, absent.
        ("99026", "Xã Tam Sơn", "liferay", "commune", dict(search=SearchMode.EXTERNAL)),
        ("99027", "Xã Phù Chẩn", "sharepoint", "commune", dict(search=SearchMode.BROKEN, metadata=Metadata.HOME)),
        ("99028", "Xã Hương Mạc", "provincial", "commune", dict(search=SearchMode.ABSENT, metadata=Metadata.NONE)),
        # Broken (404) section links and article pages that do not open.
        ("99029", "Xã Đình Tổ", "dnn", "commune", dict(_set={"work_schedule": B, "map": B}, articles_open=False)),
        # District news 12 days old (over the district limit of 7), documents 200 days old.
        ("99030", "Huyện Gia Bình", "nukeviet", "district", dict(news_ages=(12, 15, 30), direction_ages=(14,),
                                                                document_ages=(200, 300))),
        ("99031", "Xã Đông Cứu", "provincial", "commune", dict(body_only_sections=("consultation",),
                                                             _drop=("statistics",), external_sections=("statistics",))),
        # Only an address: no phone, no e-mail; leaders without contacts.
        ("99032", "Xã Lãng Ngâm", "liferay", "commune", dict(contact_phone=False, contact_email=False,
                                                             leaders_contacts=False, social=False)),
        # Introduction only on another host; services shown only at levels below 3.
        ("99033", "Xã Quảng Phú", "sharepoint", "commune", dict(_drop=("introduction",),
                                                                external_sections=("introduction",),
                                                                services=_PARTIAL_ONLY, images_alt=False)),
        # A minimal commune: introduction, two news items, a contact page; nothing else.
        ("99034", "Xã Bình Dương", "dnn", "commune", dict(
            _only=("introduction", "news", "contact"), news_ages=(6, 20), direction_ages=(), document_ages=(),
            public_service_links=False, dossier_lookup=False, payment=False, satisfaction=False,
            service_statistics=False, social=False, question_form=False, responsible_person=False)),
    ]
    specs = []
    for code, name, style, level, overrides in rows:
        values = _base(code, name, style, level)
        overrides = dict(overrides)
        sections: dict[str, SectionState] = dict(values["sections"])
        if "_only" in overrides:
            sections = {k: P for k in overrides.pop("_only")}
        sections = _without(sections, *overrides.pop("_drop", ()))
        sections.update(overrides.pop("_set", {}))
        values.update(overrides, sections=sections)
        specs.append(PortalSpec(**values))
    return specs


def farm_units() -> list[UnitDef]:
    """Fresh unit definitions for the farm, each portal on its own host (a new list per call)."""
    return [UnitDef(spec.code, spec.name, spec.level, FARM_PROVINCE, "own", replace(spec)) for spec in _specs()]


class FarmProvince(DemoProvince):
    """The farm served like the demo province: one ``ThreadingHTTPServer`` per portal on 127.0.0.1."""

    def __init__(self, units: Sequence[UnitDef] | None = None, today: date | None = None) -> None:
        super().__init__(units if units is not None else farm_units(), today=today)

    def styles(self) -> dict[str, str]:
        return {code: portal.style.name for code, portal in self.portals.items()}
