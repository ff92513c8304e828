"""The bundled sample province that ``egov-audit demo`` serves on 127.0.0.1 and audits end to end.

``DemoProvince`` (server.py) serves the portals of ``province.sample_units()``; ``sitegen`` builds any
portal from a data-only ``PortalSpec`` (portal_spec.py) in a platform style (platforms/), with the page
contents of section_pages.py. ``expected_labels`` is the test oracle: each portal's expected verdict per
check id, derived from its spec (the generator never reads it).
"""

from egov_audit.demo.expected_labels import COVERED_CHECKS
from egov_audit.demo.portal_spec import PortalSpec, Service
from egov_audit.demo.province import SURVEY_FIELDS, UnitDef, sample_units
from egov_audit.demo.server import DemoProvince
from egov_audit.demo.sitegen import Portal, RequestRecord
from egov_audit.demo.spec_values import Metadata, SearchMode, SectionState

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
