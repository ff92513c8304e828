"""The labelled test farm (issue 4): generated portals in five platform styles with ground truth.

``farm_units()`` (specs.py) lists the portals; ``FarmProvince`` serves them on 127.0.0.1 (one port each);
``measure_agreement()`` (agreement.py) crawls them with the real crawler, runs the real checks and compares
with the labels ``egov_audit.demo.expected_labels`` derives from each spec by rule (see README.md).
"""

from tests.farm.agreement import AgreementReport, CheckRow, format_table, measure_agreement
from tests.farm.specs import FarmProvince, farm_units

__all__ = ["AgreementReport", "CheckRow", "FarmProvince", "farm_units", "format_table", "measure_agreement"]
