"""The bundled sample province that ``egov-audit demo`` serves on 127.0.0.1 and audits end to end.

``DemoProvince`` (server.py) serves the portals of ``province.sample_units()``; ``sitegen`` builds any
portal from a data-only ``PortalSpec`` and knows each portal's expected verdict per check id.
"""

from egov_audit.demo.province import SURVEY_FIELDS, UnitDef, sample_units
from egov_audit.demo.server import DemoProvince
from egov_audit.demo.sitegen import (
    COVERED_CHECKS,
    Metadata,
    Portal,
    PortalSpec,
    RequestRecord,
    SearchMode,
    SectionState,
    Service,
)

__all__ = [
    "COVERED_CHECKS",
    "SURVEY_FIELDS",
    "DemoProvince",
    "Metadata",
    "Portal",
    "PortalSpec",
    "RequestRecord",
    "SearchMode",
    "SectionState",
    "Service",
    "UnitDef",
    "sample_units",
]
