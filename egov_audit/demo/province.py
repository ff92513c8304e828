"""The bundled sample province: Bắc Ninh (27) before the 2025 reform, two districts and seven communes.

Codes and names are the official statistics-office ones (pre-2025 lists; every commune code here also
exists in the 2026 list, so the units import does not warn). The portals differ the way real ones do:

- 258 Huyện Yên Phong: excellent Liferay district portal; it also hosts the sub-site of Xã Tam Giang.
- 260 Huyện Tiên Du: mediocre NukeViet district portal (news 12 days old, documents without files,
  broken schedule link, search that finds nothing, no English, no question form).
- 09202 Xã Tam Giang: sub-site ``/web/ubnd-xa-tam-giang/`` of the Yên Phong portal; fresh, answered Q&A,
  but no link to a public-service portal.
- 09205 Xã Yên Trung: the best commune (NukeViet): services with levels, payment, forms, English.
- 09238 Xã Văn Môn: NukeViet, news 120 days old, old fixed-width theme without image alternatives.
- 09334 Xã Liên Bão: Liferay on its own host; Q&A with questions but no answers, no question form.
- 09349 Xã Phật Tích: NukeViet full of "Nội dung đang cập nhật" placeholders; one article carries
  untrusted markup (a <script> and an onerror attribute).
- 09193 Thị trấn Chờ: portal down (its URL is a closed port) and no survey returned → not ranked.
- 09319 Thị trấn Lim: no portal at all (empty ``portal_url``), survey returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from egov_audit.demo.portal_spec import PortalSpec, Service
from egov_audit.demo.spec_values import Metadata, SearchMode, SectionState

P, H, B = SectionState.PRESENT, SectionState.PLACEHOLDER, SectionState.BROKEN

PROVINCE_CODE = "27"
PROVINCE_NAME = "Tỉnh Bắc Ninh"

# The survey columns after unit_code and year, in the order of CRITERIA.md §3 and config/survey_fields.yaml.
SURVEY_FIELDS = (
    "staff_total", "staff_with_computer", "broadband_internet", "special_data_network", "security_measures",
    "it_officer", "staff_it_certified", "editorial_board", "it_plan", "it_budget_million_vnd",
    "official_email_pct", "document_management_system", "digital_signature", "one_stop_system",
    "procedures_total", "services_level3_or_higher", "dossiers_total", "dossiers_online", "publishes_qa",
    "publishes_consultation", "publishes_budget", "has_english", "online_payment", "dossier_lookup",
    "update_interval_days",
)


@dataclass
class UnitDef:
    """One unit of the sample: its identity, how its portal is hosted, and its survey answers."""

    code: str
    name: str
    level: str
    parent_code: str
    hosting: str
    """``own`` (its own host), ``subsite`` (a path of ``host_code``'s portal), ``down`` or ``none``."""
    spec: PortalSpec | None = None
    host_code: str | None = None
    survey: dict[str, str] | None = None
    """Survey answers by field id (as a unit writes them); None = the unit returned no survey."""
    notes: dict[str, str] = field(default_factory=dict)
    """Intended cross-check outcome per BOTH field, where the sample plants a disagreement on purpose."""


def _survey(yes: str, no: str, **values: object) -> dict[str, str]:
    """Survey row with realistic defaults; booleans are written in the unit's own yes/no style."""
    row: dict[str, object] = {
        "staff_total": 22, "staff_with_computer": 21, "broadband_internet": True, "special_data_network": True,
        "security_measures": True, "it_officer": True, "staff_it_certified": 15, "editorial_board": True,
        "it_plan": True, "it_budget_million_vnd": 120, "official_email_pct": 90,
        "document_management_system": True, "digital_signature": True, "one_stop_system": True,
        "procedures_total": 110, "services_level3_or_higher": 3, "dossiers_total": 1450, "dossiers_online": 380,
        "publishes_qa": True, "publishes_consultation": False, "publishes_budget": True, "has_english": False,
        "online_payment": False, "dossier_lookup": False, "update_interval_days": 7,
    }
    row.update(values)
    return {key: (yes if value else no) if isinstance(value, bool) else str(value) for key, value in row.items()}


def sample_units() -> list[UnitDef]:
    """Fresh definitions of the sample province (a new list each call: portals keep per-run state)."""
    yen_phong = PortalSpec(
        code="258", name="Huyện Yên Phong", level="district", style="liferay", site="guest",
        parent_name="tỉnh Bắc Ninh",
        sections={key: P for key in (
            "introduction", "organization", "leaders", "map", "news", "direction", "law_dissemination", "plans",
            "projects", "budget", "statistics", "legal_documents", "work_schedule", "procedures", "services", "qa",
            "consultation", "contact", "english", "sitemap_html")},
        news_ages=(1, 2, 4, 6, 9, 15), direction_ages=(3, 10, 24), document_ages=(5, 18, 40, 75, 130),
        question_form=True, services=tuple(Service(n, lv) for n, lv in (
            ("Đăng ký khai sinh", "Toàn trình"), ("Đăng ký kết hôn", "Mức độ 4"),
            ("Chứng thực bản sao từ bản chính", "Mức độ 3"), ("Đăng ký khai tử", "Toàn trình"),
            ("Cấp bản sao trích lục hộ tịch", "Mức độ 3"), ("Đăng ký thường trú", "Một phần"),
            ("Xác nhận tình trạng hôn nhân", "Mức độ 2"), ("Hỗ trợ chi phí mai táng", "Mức độ 4"))),
        dossier_lookup=True, service_statistics=True, satisfaction=True, payment=True, social=True,
        downloadable_forms=True, robots_disallow=("/api/", "/group/"),
    )
    tien_du = PortalSpec(
        code="260", name="Huyện Tiên Du", level="district", style="nukeviet", parent_name="tỉnh Bắc Ninh",
        sections={"introduction": P, "organization": P, "leaders": P, "news": P, "direction": H,
                  "legal_documents": P, "work_schedule": B, "procedures": P, "qa": P, "contact": P, "budget": P,
                  "law_dissemination": P, "sitemap_html": P},
        news_ages=(12, 19, 33, 47), document_ages=(45, 160, 300), documents_have_files=False,
        leaders_contacts=False, contact_email=False, question_form=False, sitemap_xml=False,
        search=SearchMode.BROKEN, metadata=Metadata.HOME, social=True,
    )
    tam_giang = PortalSpec(
        code="09202", name="Xã Tam Giang", level="commune", style="liferay", site="ubnd-xa-tam-giang",
        parent_name="huyện Yên Phong, tỉnh Bắc Ninh",
        sections={"introduction": P, "organization": P, "leaders": P, "map": P, "news": P, "direction": P,
                  "legal_documents": P, "work_schedule": P, "procedures": P, "qa": P, "contact": P},
        news_ages=(3, 8, 15, 40), direction_ages=(6,), document_ages=(12, 60, 200), question_form=True,
        public_service_links=False, metadata=Metadata.NONE,
    )
    yen_trung = PortalSpec(
        code="09205", name="Xã Yên Trung", level="commune", style="nukeviet",
        parent_name="huyện Yên Phong, tỉnh Bắc Ninh",
        sections={key: P for key in (
            "introduction", "organization", "leaders", "map", "news", "direction", "law_dissemination", "plans",
            "budget", "legal_documents", "work_schedule", "procedures", "services", "qa", "consultation",
            "contact", "english", "sitemap_html")},
        news_ages=(2, 5, 11, 20, 26), direction_ages=(4, 17), document_ages=(9, 33, 88, 150),
        question_form=True, services=(Service("Đăng ký khai sinh", "Toàn trình"), Service("Đăng ký kết hôn", "Mức độ 4"),
                                      Service("Chứng thực bản sao từ bản chính", "Mức độ 3"),
                                      Service("Đăng ký thường trú", "Một phần")),
        dossier_lookup=True, satisfaction=True, payment=True, social=True, downloadable_forms=True,
    )
    van_mon = PortalSpec(
        code="09238", name="Xã Văn Môn", level="commune", style="nukeviet",
        parent_name="huyện Yên Phong, tỉnh Bắc Ninh",
        sections={"introduction": P, "organization": P, "leaders": P, "news": P, "legal_documents": P,
                  "procedures": P, "qa": P, "contact": P},
        news_ages=(120, 134, 150, 171), document_ages=(20, 95), question_form=True,
        viewport=False, images_alt=False, metadata=Metadata.NONE, responsible_person=False,
    )
    lien_bao = PortalSpec(
        code="09334", name="Xã Liên Bão", level="commune", style="liferay", site="guest",
        parent_name="huyện Tiên Du, tỉnh Bắc Ninh",
        sections={"introduction": P, "organization": P, "leaders": P, "news": P, "legal_documents": P,
                  "procedures": B, "qa": P, "plans": P, "contact": P},
        news_ages=(4, 9, 13, 28), document_ages=(30, 100, 220), qa_answered=False, question_form=False,
        sitemap_xml=False, search=SearchMode.ABSENT, metadata=Metadata.NONE,
    )
    phat_tich = PortalSpec(
        code="09349", name="Xã Phật Tích", level="commune", style="nukeviet",
        parent_name="huyện Tiên Du, tỉnh Bắc Ninh",
        sections={"introduction": H, "organization": H, "leaders": H, "news": P, "legal_documents": H,
                  "procedures": H, "contact": P},
        news_ages=(7, 16), question_form=True, contact_address=False, public_service_links=False,
        responsible_person=False, untrusted_markup=True, metadata=Metadata.NONE,
    )
    return [
        UnitDef(PROVINCE_CODE, PROVINCE_NAME, "province", "", "none"),
        UnitDef("258", "Huyện Yên Phong", "district", PROVINCE_CODE, "own", yen_phong,
                survey=_survey("có", "không", staff_total=68, staff_with_computer=68, staff_it_certified=52,
                               it_budget_million_vnd=850, procedures_total=290, services_level3_or_higher=12,
                               dossiers_total=9800, dossiers_online=5100, publishes_consultation=True,
                               has_english=True, online_payment=True, dossier_lookup=True, update_interval_days=1),
                notes={"services_level3_or_higher": "value_mismatch (claims 12, portal shows 6)",
                       "update_interval_days": "confirmed"}),
        UnitDef("260", "Huyện Tiên Du", "district", PROVINCE_CODE, "own", tien_du,
                survey=_survey("có", "không", staff_total=61, staff_with_computer=55, staff_it_certified=20,
                               it_plan=False, procedures_total=285, services_level3_or_higher=0,
                               dossiers_total=8700, dossiers_online=900, has_english=True, dossier_lookup=True,
                               update_interval_days=3),
                notes={"has_english": "overclaimed", "dossier_lookup": "overclaimed",
                       "update_interval_days": "value_mismatch (claims 3, newest news 12 days)"}),
        UnitDef("09202", "Xã Tam Giang", "commune", "258", "subsite", tam_giang, host_code="258",
                survey=_survey("có", "không", services_level3_or_higher=0, dossiers_online=150,
                               update_interval_days=7),
                notes={"publishes_qa": "confirmed", "update_interval_days": "value_mismatch (claims 7, shows 3)"}),
        UnitDef("09205", "Xã Yên Trung", "commune", "258", "own", yen_trung,
                survey=_survey("có", "không", staff_total=24, staff_with_computer=24, online_payment=False,
                               publishes_consultation=True, dossier_lookup=True, update_interval_days=3),
                notes={"online_payment": "underclaimed", "services_level3_or_higher": "confirmed"}),
        UnitDef("09238", "Xã Văn Môn", "commune", "258", "own", van_mon,
                survey=_survey("1", "0", staff_with_computer=18, it_officer=False, services_level3_or_higher=0,
                               dossiers_online=60, update_interval_days=7),
                notes={"update_interval_days": "value_mismatch (claims 7, newest news 120 days)",
                       "editorial_board": "overclaimed (footer names no responsible person)"}),
        UnitDef("09193", "Thị trấn Chờ", "commune", "258", "down"),
        UnitDef("09334", "Xã Liên Bão", "commune", "260", "own", lien_bao,
                survey=_survey("yes", "no", it_plan=False, services_level3_or_higher=0, dossiers_online=200,
                               publishes_consultation=True, update_interval_days=10),
                notes={"it_plan": "underclaimed (a planning section is published)",
                       "publishes_consultation": "overclaimed", "publishes_qa": "questions without answers"}),
        UnitDef("09349", "Xã Phật Tích", "commune", "260", "own", phat_tich,
                survey=_survey("có", "không", staff_total=19, staff_with_computer=12, security_measures=False,
                               services_level3_or_higher=0, dossiers_online=40, publishes_qa=False,
                               publishes_budget=True, update_interval_days=15),
                notes={"publishes_budget": "overclaimed", "editorial_board": "overclaimed (only the managing body)"}),
        UnitDef("09319", "Thị trấn Lim", "commune", "260", "none",
                survey=_survey("có", "không", staff_total=25, services_level3_or_higher=0, dossiers_online=90,
                               update_interval_days=30),
                notes={"publishes_qa": "overclaimed (no portal)"}),
    ]
