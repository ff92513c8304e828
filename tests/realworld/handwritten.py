"""The hand-written validation set measured offline: every portal of ``portals/`` through ``checks.run_checks``.

``handwritten_results()`` pairs each label of ``labels.yaml`` with the finding of its check;
``handwritten_rows()`` turns them into per-check agreement rows (statuses; values on the side), the form the
farm and the real corpus report too, so ``bench/agreement.py`` prints the three sets alike.
"""

from __future__ import annotations

from typing import Any

from egov_audit import checks
from egov_audit.core.artifacts import Finding
from tests.farm.agreement import CheckRow
from tests.realworld.loader import load_labels, load_portal, portal_codes

FLOAT_TOLERANCE = 0.02

Results = dict[str, dict[str, tuple[dict[str, Any], Finding]]]


def normalise(raw: Any) -> dict[str, Any]:
    return {"status": raw} if isinstance(raw, str) else dict(raw)


def value_matches(expected: Any, got: Any) -> bool:
    if isinstance(expected, float) or isinstance(got, float):
        return isinstance(got, int | float) and abs(float(got) - float(expected)) <= FLOAT_TOLERANCE
    return expected == got


def handwritten_results() -> Results:
    """portal → check → (label, finding), for every labelled check."""
    labels = load_labels()
    out: Results = {}
    for code in portal_codes():
        findings = {f.check: f for f in checks.run_checks(load_portal(code))}
        out[code] = {cid: (normalise(raw), findings[cid]) for cid, raw in labels[code].items()}
    return out


def handwritten_rows(results: Results | None = None) -> dict[str, CheckRow]:
    results = results if results is not None else handwritten_results()
    rows: dict[str, CheckRow] = {}
    for code, by_check in results.items():
        for cid, (label, finding) in by_check.items():
            row = rows.setdefault(cid, CheckRow(cid))
            got = str(finding.status)
            if not row.tally(label["status"], got):
                row.disagreements.append({"unit": code, "label": label["status"], "got": got,
                                          "reason": finding.reason})
            if "value" in label:
                row.values_compared += 1
                if value_matches(label["value"], finding.value):
                    row.values_agreed += 1
                else:
                    row.disagreements.append({"unit": code, "value_expected": label["value"],
                                              "value_got": finding.value})
    return {cid: rows[cid] for cid in checks.CHECK_IDS if cid in rows}
