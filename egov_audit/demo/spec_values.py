"""The values a ``PortalSpec`` chooses from: the section keys a generated portal may have and the states
of a section, of its site search and of its metadata."""

from __future__ import annotations

from enum import StrEnum


class SectionState(StrEnum):
    PRESENT = "present"
    """Linked from the navigation and has real content."""
    PLACEHOLDER = "placeholder"
    """Linked, but the page says "Nội dung đang cập nhật"."""
    BROKEN = "broken"
    """Linked, but the link answers 404."""
    ABSENT = "absent"
    """Neither linked nor served."""


class SearchMode(StrEnum):
    WORKING = "working"
    BROKEN = "broken"
    """The form exists but never finds anything."""
    EXTERNAL = "external"
    """The form submits to another host (CRITERIA §5: the auditor must not follow it, ``unknown``)."""
    ABSENT = "absent"


class Metadata(StrEnum):
    ALL = "all"
    """Dublin Core on the home page and articles."""
    HOME = "home"
    NONE = "none"


# Section keys a spec may set. "news", "direction" and the other dated sections are listings of
# articles; "services" is an own list of online public services with their levels; "forms" a page of
# downloadable forms; "english" the English pages; "sitemap_html" the human site map.
LISTING_SECTIONS = ("news", "direction", "law_dissemination", "plans", "projects", "budget", "statistics")
SECTION_KEYS = (
    "introduction", "organization", "leaders", "map", *LISTING_SECTIONS, "legal_documents", "work_schedule",
    "procedures", "services", "qa", "consultation", "forms", "contact", "english", "sitemap_html",
)

# Sections whose check is the plain section rule of CRITERIA §2 (present/placeholder/broken/absent) and
# that a spec may therefore link to another .gov.vn host or only from an article body.
SIMPLE_SECTIONS = ("introduction", "organization", "map", "direction", "work_schedule", "law_dissemination",
                   "plans", "projects", "budget", "statistics", "consultation")
