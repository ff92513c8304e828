"""`egov-audit demo`: the main job end to end on the bundled sample province, served on 127.0.0.1.

units import → audit (with screenshots) → sample survey import → score → reports, then prints the
ranking and where the reports are. Uses ``<data-dir>/demo`` so it never mixes with a real province.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from egov_audit.services import audit as pipeline
from egov_audit.services.settings import Settings

DEMO_YEAR = 2024
DEMO_FRAMEWORKS = ("qd2392-district", "qd2392-commune")


def run_demo(settings: Settings, screenshots: bool = True, use_browser: bool = True,
             out: TextIO | None = None) -> int:
    from egov_audit.cli.progress import Progress
    from egov_audit.core.errors import InputError
    from egov_audit.demo.server import DemoProvince
    from egov_audit.imports.surveys import import_selfreports
    from egov_audit.imports.units import import_units
    from egov_audit.reports import ranking_table, write_json, write_report
    from egov_audit.storage import repo
    from egov_audit.storage.db import session

    out = out or sys.stdout
    started = time.monotonic()
    settings.data_dir = settings.data_dir / "demo"
    # The sample portals live on loopback: allow it for this job only, and crawl our own server briskly.
    settings.crawler.allow_private_networks = True
    settings.crawler.delay_seconds = min(settings.crawler.delay_seconds, 0.05)
    ws = pipeline.Workspace.open(settings)
    inputs = settings.data_dir / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)

    province = DemoProvince()
    demo_codes = {unit.code for unit in province.units}
    with session(ws.engine) as s:
        foreign = sorted(u.code for u in repo.list_units(s) if u.code not in demo_codes)
    if foreign:
        # The demo audits every unit of its database with private networks allowed and starts a fresh
        # run: never on a database that holds a real province.
        raise InputError(ws.settings.database_url, f"holds units that are not the sample province's "
                         f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}); "
                         "run the demo on its own database (default: <data-dir>/demo)", "--db")
    with province.start():
        units_file = province.units_csv(inputs / "units.csv")
        survey_file = province.survey_csv(inputs / f"survey-{DEMO_YEAR}.csv", DEMO_YEAR)
        with session(ws.engine) as s:
            imported = import_units(s, units_file)
        print(f"1/5 units import: {imported.rows} đơn vị/units from {units_file}", file=out)
        options = pipeline.AuditOptions(all_units=True, screenshots=screenshots and use_browser,
                                        use_browser=use_browser, fresh=True)
        with Progress(sys.stderr) as progress:
            outcome = asyncio.run(pipeline.audit(ws, options, progress=progress.event))
    print(f"2/5 audit: run {outcome.run_id}, {len(outcome.units)} units, {outcome.pages} pages fetched", file=out)
    for unit in outcome.units:
        if unit.crawl_status not in ("ok", "partial"):
            print(f"    {unit.code}: {unit.crawl_status} ({unit.error})", file=out)

    with session(ws.engine) as s:
        surveys = import_selfreports(s, survey_file)
    print(f"3/5 survey import: {surveys.rows} phiếu/forms from {survey_file}", file=out)

    exports = [pipeline.score(ws, name, DEMO_YEAR) for name in DEMO_FRAMEWORKS]
    print(f"4/5 score: {', '.join(DEMO_FRAMEWORKS)} for {DEMO_YEAR}", file=out)

    findings = pipeline.findings_export(ws, outcome.run_id)
    reports = settings.reports_dir
    html_path = write_report("html", exports, findings, reports / "report.html")
    json_path = write_report("json", exports, findings, reports / "scores.json")
    findings_path = write_json(findings, reports / "findings.json")
    print("5/5 reports written", file=out)
    print(file=out)
    for export in exports:
        print(ranking_table(export), file=out)
        print(file=out)
    print(f"HTML report:     {html_path.resolve()}", file=out)
    print(f"JSON scores:     {json_path.resolve()}", file=out)
    print(f"JSON findings:   {findings_path.resolve()}", file=out)
    print(f"Database:        {ws.settings.database_url}", file=out)
    print(f"Wall time {time.monotonic() - started:.1f} s, {outcome.pages} pages fetched", file=out)
    return 0
