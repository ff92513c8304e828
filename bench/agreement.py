"""Agreement of the checks with every labelled set at once: the generated farm, the hand-written portals and the
real corpus, per check and overall, so a vocabulary or rule change shows its effect on all of them in one run.

- ``farm``: the 34 generated portals of tests/farm/ (labels derived by rule), crawled and probed on loopback as
  ``tests/farm/agreement.py`` does for tests/test_farm_agreement.py;
- ``handwritten``: the 12 hand-written portals of tests/realworld/portals/ (labels.yaml), checked offline;
- ``realpages``: the six real Đắk Nông portals of ../shared/realpages/ (labels in
  tests/realworld/realpages_labels/), served like a static host and audited as ``unit_audit`` does (crawl with
  the Chromium renderer, every probe, the framework's check options). Only judged labels are counted.

One Chromium is shared by the farm and the real corpus. Agreement = the finding's status equals the label;
pass precision = of the findings ``pass``, the share labelled ``pass``; pass recall = of the labels ``pass``, the
share found ``pass``; values (ages, shares, counts) are compared on the side and never change the agreement.

    .venv/bin/python bench/agreement.py [--sets farm,handwritten,realpages] [--json OUT.json]
                                        [--baseline PREVIOUS.json] [--details]

``--baseline`` reads a file written by ``--json`` (before a change) and prints every figure with its delta.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import CONFIG_DIR  # noqa: E402
from egov_audit.checks import CHECK_IDS  # noqa: E402
from egov_audit.crawler.browser import Browser  # noqa: E402
from egov_audit.crawler.settings import BrowserSettings  # noqa: E402
from tests.audit_gathering import audit_sites  # noqa: E402
from tests.farm.agreement import CheckRow, measure_agreement_async  # noqa: E402
from tests.farm.specs import FarmProvince  # noqa: E402
from tests.realworld.handwritten import handwritten_rows  # noqa: E402
from tests.realworld.realpages import RealCorpus, compare_corpus, corpus_available, corpus_targets  # noqa: E402

SETS = ("farm", "handwritten", "realpages")
_SUMMED = ("compared", "agreed", "called_pass", "pass_correct", "labelled_pass", "pass_found", "values_compared",
           "values_agreed")


def total(rows: list[CheckRow], name: str = "overall") -> CheckRow:
    out = CheckRow(name)
    for row in rows:
        for field in _SUMMED:
            setattr(out, field, getattr(out, field) + getattr(row, field))
    return out


async def networked_sets(wanted: set[str]) -> tuple[dict[str, dict[str, CheckRow]], dict[str, float]]:
    """The farm and the real corpus, crawled with one shared Chromium."""
    rows: dict[str, dict[str, CheckRow]] = {}
    seconds: dict[str, float] = {}
    async with Browser(BrowserSettings(screenshots=False)) as browser:
        if "farm" in wanted:
            started = time.monotonic()
            with FarmProvince() as farm:
                report = await measure_agreement_async(farm, config_dir=CONFIG_DIR, browser=browser)
            rows["farm"] = {row.check: row for row in report.measured()}
            seconds["farm"] = time.monotonic() - started
        if "realpages" in wanted:
            started = time.monotonic()
            with RealCorpus() as corpus:
                audited = await audit_sites(corpus_targets(corpus), browser=browser)
                corpus_report = compare_corpus(corpus, audited)
            rows["realpages"] = {cid: row for cid, row in corpus_report.rows.items() if row.compared}
            seconds["realpages"] = time.monotonic() - started
    return rows, seconds


def measure(wanted: set[str]) -> tuple[dict[str, dict[str, CheckRow]], dict[str, float]]:
    if "realpages" in wanted and not corpus_available():
        raise SystemExit("the real corpus is missing: ../shared/realpages (run from a checkout beside shared/)")
    rows, seconds = asyncio.run(networked_sets(wanted)) if wanted - {"handwritten"} else ({}, {})
    if "handwritten" in wanted:
        started = time.monotonic()
        rows["handwritten"] = handwritten_rows()
        seconds["handwritten"] = time.monotonic() - started
    return {name: rows[name] for name in SETS if name in rows}, seconds


def _pct(value: float | None) -> str:
    return "    - " if value is None else f"{value:6.1%}"


def _delta(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "       "
    change = now - before
    return "   =   " if abs(change) < 0.0005 else f"{change:+7.1%}"


def _figures(row: CheckRow) -> dict[str, Any]:
    return {"n": row.compared, "agreement": row.agreement, "pass_precision": row.pass_precision,
            "pass_recall": row.pass_recall, "values": [row.values_agreed, row.values_compared]}


def to_json(sets: dict[str, dict[str, CheckRow]], seconds: dict[str, float]) -> dict[str, Any]:
    merged = {cid: total([rows[cid] for rows in sets.values() if cid in rows], cid) for cid in CHECK_IDS}
    return {
        "sets": {name: {"seconds": round(seconds.get(name, 0.0), 1),
                        "overall": _figures(total(list(rows.values()))),
                        "checks": {cid: {**_figures(row), "disagreements": row.disagreements}
                                   for cid, row in rows.items()}}
                 for name, rows in sets.items()},
        "overall": {"overall": _figures(total(list(merged.values()))),
                    "checks": {cid: _figures(row) for cid, row in merged.items() if row.compared}},
    }


def _line(label: str, figures: dict[str, Any], before: dict[str, Any] | None) -> str:
    agreed, compared = figures["values"]
    values = f"{agreed}/{compared}" if compared else ""
    text = (f"{label:28} {figures['n']:4d} {_pct(figures['agreement'])} {_pct(figures['pass_precision'])} "
            f"{_pct(figures['pass_recall'])} {values:>8}")
    if before is not None:
        text += "  " + "  ".join(_delta(figures[k], before.get(k)) for k in ("agreement", "pass_precision",
                                                                           "pass_recall"))
    return text


def render(result: dict[str, Any], baseline: dict[str, Any] | None, details: bool) -> str:
    head = f"{'':28} {'n':>4} {'agree':>6} {'p.prec':>6} {'p.rec':>6} {'values':>8}"
    if baseline is not None:
        head += "  " + "  ".join(f"{'Δ ' + k:>7}" for k in ("agree", "p.prec", "p.rec"))
    lines = [head]
    blocks = [(name, data) for name, data in result["sets"].items()] + [("overall", result["overall"])]
    for name, data in blocks:
        before = (baseline or {}).get("sets", {}).get(name) if name != "overall" else (baseline or {}).get("overall")
        seconds = f" ({data['seconds']} s)" if "seconds" in data else ""
        lines.append(f"\n== {name}{seconds}")
        for cid, figures in data["checks"].items():
            lines.append(_line(cid, figures, (before or {}).get("checks", {}).get(cid) if before else None))
        lines.append(_line("all checks" if name == "overall" else f"{name} overall", data["overall"], (before or {}).get("overall") if before else None))
    lines.append("\n== summary")
    for name, data in blocks:
        before = (baseline or {}).get("sets", {}).get(name) if name != "overall" else (baseline or {}).get("overall")
        lines.append(_line(name, data["overall"], (before or {}).get("overall") if before else None))
    if details:
        for name, data in result["sets"].items():
            for cid, figures in data["checks"].items():
                for item in figures["disagreements"]:
                    lines.append(f"  {name} {cid}: {json.dumps(item, ensure_ascii=False, default=str)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: farm, handwritten, realpages")
    parser.add_argument("--json", type=Path, help="write every figure and disagreement to this file")
    parser.add_argument("--baseline", type=Path, help="a file written by --json before a change: print deltas")
    parser.add_argument("--details", action="store_true", help="print every disagreement")
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.sets.split(",") if name.strip()}
    if not wanted or wanted - set(SETS):
        parser.error(f"--sets takes some of {', '.join(SETS)}")
    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
    sets, seconds = measure(wanted)
    result = to_json(sets, seconds)
    print(render(result, baseline, args.details))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        print(f"\n(written to {args.json})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
