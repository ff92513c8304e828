"""Benchmark of scoring and reports: 10,000 units × 60 indicators scored, then every report format written.

The inputs are generated (no database): a 60-indicator framework (8 readiness indicators on survey fields,
52 on checks over levels I–IV, some reading both a check and a BOTH field), 10,000 communes in 20 provinces,
46 findings per unit with values, and a survey form per unit. Figures are printed against baselines run in
the same process on the same data, so machine load affects both sides:

- scoring: ``score_units`` (levels, points, cross-checks, ranks) against a plain Python pass that only sums
  each unit's indicator points with floats (the least any scorer must do);
- reports: each format against ``json.dumps`` of the same export written to a file (the cheapest report).

    .venv/bin/python bench/score.py [--units 10000] [--repeat 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import CONFIG_DIR  # noqa: E402
from egov_audit.checks.catalogue import CHECK_IDS  # noqa: E402
from egov_audit.reports import write_report  # noqa: E402
from egov_audit.scoring import FindingInput, UnitInput, load_framework, score_units, scores_export  # noqa: E402

READINESS = [("staff_with_computer", "{per: staff_total, min: 0.9}"), ("broadband_internet", None),
             ("special_data_network", None), ("security_measures", None), ("it_officer", None),
             ("staff_it_certified", "{per: staff_total, min: 0.5}"), ("it_budget_million_vnd", "{gt: 0}"),
             ("official_email_pct", "{min: 80}")]
BOTH = {"info.ownership": "editorial_board", "info.plans": "it_plan", "interact.qa": "publishes_qa",
        "interact.consultation": "publishes_consultation", "info.budget": "publishes_budget",
        "info.english": "has_english", "service.payment": "online_payment", "service.dossier_lookup": "dossier_lookup"}
TARGETS = {"scoring": 2.0, "reports": 20.0}


def framework_yaml() -> str:
    """60 indicators: 8 readiness (3.75 points each), 52 on checks spread over I–IV (13 each, 1 point)."""
    lines = ['version: "bench"', 'name: "Bench 60"', "tier: commune", "years: {to: 2100}", "levels:",
             '  readiness: {points: 30, vi: "Sẵn sàng", en: "Readiness"}']
    for level in ("I", "II", "III", "IV"):
        lines.append(f'  {level}: {{points: 13, vi: "Mức {level}", en: "Level {level}"}}')
    lines.append("indicators:")
    for i, (field, condition) in enumerate(READINESS):
        cond = f", condition: {condition}" if condition else ""
        lines.append(f'  - {{id: r{i}, title: {{vi: "Sẵn sàng {i}", en: "Readiness {i}"}}, level: readiness, '
                     f"points: 3.75, source: {{field: {field}{cond}}}}}")
    checks = list(CHECK_IDS) + list(CHECK_IDS[:6])
    for i, check in enumerate(checks):
        level = ("I", "II", "III", "IV")[i % 4]
        required = "true" if i < 8 else "false"
        field = f", field: {BOTH[check]}" if check in BOTH and i < len(CHECK_IDS) else ""
        lines.append(f'  - {{id: c{i}, title: {{vi: "Chỉ tiêu {i}", en: "Indicator {i}"}}, level: {level}, points: 1, '
                     f"required: {required}, source: {{checks: [{check}]{field}}}}}")
    return "\n".join(lines) + "\n"


def inputs(n: int, disagree: float = 0.15, seed: int = 7) -> tuple[list[UnitInput], dict, dict]:
    """``disagree``: the share of yes/no claims that contradict the portal (the rest agree with it)."""
    rng = random.Random(seed)
    statuses = ("pass", "pass", "partial", "fail", "unknown")
    units, findings, surveys = [], {}, {}
    for i in range(n):
        code = f"{i:05d}"
        units.append(UnitInput(code, f"Xã {i}", "commune", f"{i % 20:02d}", f"{i % 20:02d}", "ok"))
        findings[code] = {c: FindingInput(rng.choice(statuses), rng.randint(0, 60)) for c in CHECK_IDS}
        surveys[code] = {"staff_total": 20, "staff_with_computer": rng.randint(10, 20), "staff_it_certified": 12,
                         "broadband_internet": True, "special_data_network": rng.random() < 0.5,
                         "security_measures": True, "it_officer": True, "it_budget_million_vnd": 5.5,
                         "official_email_pct": rng.randint(40, 100), "services_level3_or_higher": rng.randint(0, 40),
                         "procedures_total": 300, "update_interval_days": 7,
                         **{f: (findings[code][c].status in ("pass", "partial")) != (rng.random() < disagree)
                            for c, f in BOTH.items()}}
    return units, findings, surveys


def baseline_scoring(framework, units, findings) -> float:
    earned = {"pass": 1.0, "partial": 0.5}
    total = 0.0
    for unit in units:
        checks = findings[unit.code]
        for ind in framework.indicators:
            for check in ind.source.checks:
                total += earned.get(checks[check].status, 0.0) * float(ind.points)
    return total


def timed(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--disagree", type=float, default=0.15,
                        help="share of yes/no survey claims that contradict the portal (default 0.15)")
    parser.add_argument("--out", type=Path, help="keep the reports here (default: a temporary directory)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="egov-bench-score-"))
    config = work / "config"
    shutil.copytree(CONFIG_DIR, config, ignore=shutil.ignore_patterns("__pycache__"))
    (config / "frameworks" / "bench.yaml").write_text(framework_yaml(), encoding="utf-8")
    framework = load_framework("bench", config)
    assert len(framework.indicators) == 60 and sum(ind.points for ind in framework.indicators) == Fraction(82)
    units, findings, surveys = inputs(args.units, args.disagree)
    print(f"{args.units} units × {len(framework.indicators)} indicators, {len(CHECK_IDS)} findings per unit, "
          f"{args.disagree:.0%} of yes/no claims contradicting the portal")

    base_s, _ = timed(lambda: baseline_scoring(framework, units, findings), args.repeat)
    score_s, scored = timed(lambda: score_units(framework, units, findings, surveys, {}, 2024), args.repeat)
    export_s, export = timed(lambda: scores_export(framework, 2024, scored), args.repeat)
    print(f"{'scoring (score_units)':<30} {score_s:7.2f} s   baseline float sum {base_s:5.2f} s "
          f"({score_s / base_s:.1f}×)  target < {TARGETS['scoring']:.0f} s: "
          f"{'met' if score_s < TARGETS['scoring'] else 'NOT met'}")
    print(f"{'scores_export (to dicts)':<30} {export_s:7.2f} s")

    out = args.out or work / "reports"
    out.mkdir(parents=True, exist_ok=True)
    previous = [json.loads(json.dumps({**export, "year": 2023}))]
    json_s, _ = timed(lambda: (out / "baseline.json").write_text(json.dumps(export, ensure_ascii=False)), args.repeat)
    total = 0.0
    for fmt in ("json", "csv", "xlsx", "html"):
        seconds, path = timed(lambda fmt=fmt: write_report(fmt, export, None, out / f"report.{fmt}",
                                                           previous=previous), args.repeat)
        total += seconds
        size = Path(path).stat().st_size / 1e6
        print(f"{'report ' + fmt:<30} {seconds:7.2f} s   {size:7.1f} MB   baseline json.dumps {json_s:5.2f} s "
              f"({seconds / json_s:.1f}×)")
    print(f"{'reports, all four':<30} {total:7.2f} s   target < {TARGETS['reports']:.0f} s: "
          f"{'met' if total < TARGETS['reports'] else 'NOT met'}")
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
