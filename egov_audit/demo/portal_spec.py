"""PortalSpec: everything that differs between two generated portals, as plain data (farms are built from
tables of them), validated when made."""

from __future__ import annotations

from dataclasses import dataclass, field

from egov_audit.demo import content
from egov_audit.demo.platforms import STYLES
from egov_audit.demo.spec_values import SECTION_KEYS, SIMPLE_SECTIONS, Metadata, SearchMode, SectionState


@dataclass(frozen=True)
class Service:
    """An online public service as listed on the portal, with its level label ("Mức độ 3", "Toàn trình")."""

    name: str
    level: str


@dataclass
class PortalSpec:
    """Everything that differs between two generated portals; plain data, so farms can be built from tables."""

    code: str
    name: str
    """Official name with its type word: "Xã Yên Trung", "Huyện Tiên Du"."""
    level: str
    """``district`` or ``commune``."""
    style: str = "nukeviet"
    """A key of ``STYLES``: ``nukeviet``, ``liferay``, ``sharepoint``, ``dnn`` or ``provincial``."""
    parent_name: str = "tỉnh Bắc Ninh"
    """The enclosing units as written in an address: "huyện Yên Phong, tỉnh Bắc Ninh"."""
    site: str = "guest"
    """Liferay site name (``/web/<site>/``); ignored by NukeViet."""
    sections: dict[str, SectionState] = field(default_factory=dict)
    """State of each section key (SECTION_KEYS); a missing key means ABSENT."""
    news_ages: tuple[int, ...] = ()
    """Age in days of each news article (≥ 1, so no article is dated later than now)."""
    direction_ages: tuple[int, ...] = ()
    document_ages: tuple[int, ...] = ()
    """Age in days of each legal document's issue date."""
    documents_have_files: bool = True
    articles_open: bool = True
    """False: article links answer 404 (``info.news`` is then partial)."""
    qa_answered: bool = True
    qa_questions: int = 3
    question_form: bool = False
    """A question form (textarea + submit) on the Q&A page, or on the contact page when there is no Q&A."""
    leaders_contacts: bool = True
    """Leaders listed with their phone numbers (else names and positions only)."""
    contact_address: bool = True
    contact_phone: bool = True
    contact_email: bool = True
    owner_body: bool = True
    """Footer names the managing body ("Cơ quan chủ quản")."""
    responsible_person: bool = True
    """Footer names the person responsible ("Chịu trách nhiệm chính")."""
    services: tuple[Service, ...] = ()
    """Entries of the own "Dịch vụ công trực tuyến" page (section ``services``)."""
    public_service_links: bool = True
    """Links to dichvucong.gov.vn and dichvucong.bacninh.gov.vn in the navigation."""
    dossier_lookup: bool = False
    service_statistics: bool = False
    satisfaction: bool = False
    payment: bool = False
    social: bool = False
    downloadable_forms: bool = False
    """Section ``forms`` with files; setting this turns the section on."""
    sitemap_xml: bool = True
    search: SearchMode = SearchMode.WORKING
    robots_disallow: tuple[str, ...] = ()
    """Extra robots.txt Disallow rules (the login area is always disallowed)."""
    viewport: bool = True
    metadata: Metadata = Metadata.ALL
    images_alt: bool = True
    untrusted_markup: bool = False
    """Put a harmless <script> and an onerror attribute in the first article (review-app escaping tests)."""
    seed: int | None = None
    # -- near-misses and text forms (defaults keep the bundled demo as it was)
    caps_menu: bool = False
    """Main-menu labels in ALL CAPS ("HỎI ĐÁP")."""
    nfd: bool = False
    """Serve every page in Unicode NFD (decomposed) instead of NFC."""
    old_tones: bool = False
    """Write the other tone-mark style ("Hoà", "Thuỷ", "Uỷ ban" instead of "Hòa", "Thủy", "Ủy ban")."""
    js_menu: bool = False
    """The main menu is inserted by a script: its links are not in the static HTML."""
    external_sections: tuple[str, ...] = ()
    """Sections (SIMPLE_SECTIONS) whose menu link points to another .gov.vn host; not served here."""
    body_only_sections: tuple[str, ...] = ()
    """Sections (SIMPLE_SECTIONS) served with content but linked only from inside a news article body."""
    article_mentions_qa: bool = False
    """A news article's body talks about "hỏi đáp" (a trap when the portal has no Q&A section)."""
    hidden_email: bool = False
    """The unit's e-mail appears only in an HTML comment and a script of the footer."""
    future_deadline: bool = False
    """A home-page notice carries a deadline date three weeks ahead (must not count as news)."""

    def __post_init__(self) -> None:
        if self.level not in ("district", "commune"):
            raise ValueError(f"{self.code}: level must be district or commune, not {self.level!r}")
        if self.style not in STYLES:
            raise ValueError(f"{self.code}: unknown style {self.style!r} (known: {', '.join(STYLES)})")
        unknown = set(self.sections) - set(SECTION_KEYS)
        if unknown:
            raise ValueError(f"{self.code}: unknown section keys {sorted(unknown)}")
        self.sections = {key: SectionState(value) for key, value in self.sections.items()}
        if self.downloadable_forms:
            self.sections["forms"] = SectionState.PRESENT
        self.search = SearchMode(self.search)
        self.metadata = Metadata(self.metadata)
        for key in (*self.external_sections, *self.body_only_sections):
            if key not in SIMPLE_SECTIONS:
                raise ValueError(f"{self.code}: {key!r} cannot be external or body-only (allowed: {SIMPLE_SECTIONS})")
        for key in self.external_sections:
            if self.state(key) is not SectionState.ABSENT:
                raise ValueError(f"{self.code}: external section {key!r} must be ABSENT locally")
        for key in self.body_only_sections:
            if self.state(key) is not SectionState.PRESENT:
                raise ValueError(f"{self.code}: body-only section {key!r} must be PRESENT (served, not linked)")
        if self.body_only_sections and not (self.state("news") is SectionState.PRESENT and self.news_ages
                                            and self.articles_open):
            raise ValueError(f"{self.code}: body-only sections need an opening news article to link them")
        # Age 0 would put some articles later than "now" in the morning: checks must ignore future dates.
        if any(age < 1 for age in (*self.news_ages, *self.direction_ages, *self.document_ages)):
            raise ValueError(f"{self.code}: ages must be at least 1 day")
        if len(self.news_ages) > len(content.NEWS) or len(self.direction_ages) > len(content.DIRECTION):
            raise ValueError(f"{self.code}: more articles than the content pool holds")

    def state(self, key: str) -> SectionState:
        return self.sections.get(key, SectionState.ABSENT)

    @property
    def unit_lower(self) -> str:
        """The name as used inside a sentence: "xã Yên Trung"."""
        return self.name[0].lower() + self.name[1:]

