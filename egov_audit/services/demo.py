"""`egov-audit demo`: the main job end to end on the bundled sample province, served on 127.0.0.1.

units import → audit (with screenshots) → sample survey import → score → reports, then prints the
ranking and where the reports are. Uses ``<data-dir>/demo`` so it never mixes with a real province.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from egov_audit.services.audit import AuditOptions, audit
from egov_audit.services.outputs import findings_export
from egov_audit.services.scoring import score
from egov_audit.services.settings import Settings
from egov_audit.services.workspace import ProgressCallback, Workspace

DEMO_YEAR = 2024
DEMO_FRAMEWORKS = ("qd2392-district", "qd2392-commune")


def run_demo(settings: Settings, screenshots: bool = True, use_browser: bool = True,
             say: Callable[[str], None] = print, progress: ProgressCallback | None = None) -> int:
    """Run the demo; ``say`` receives each line of its summary, ``progress`` the audit's events."""
    from egov_audit.core.errors import InputError
    from egov_audit.demo.server import DemoProvince
    from egov_audit.imports.surveys import import_selfreports
    from egov_audit.imports.units import import_units
    from egov_audit.reports import ranking_table, write_json, write_report
    from egov_audit.storage import units_repo
    from egov_audit.storage.db import session

    started = time.monotonic()
    settings.data_dir = settings.data_dir / "demo"
    # The sample portals live on loopback: allow it for this job only, and crawl our own server briskly.
    settings.crawler.allow_private_networks = True
    settings.crawler.delay_seconds = min(settings.crawler.delay_seconds, 0.05)
    ws = Workspace.open(settings)
    inputs = settings.data_dir / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)

    province = DemoProvince()
    demo_codes = {unit.code for unit in province.units}
    with session(ws.engine) as s:
        foreign = sorted(u.code for u in units_repo.list_units(s) if u.code not in demo_codes)
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
        say(f"1/5 units import: {imported.rows} đơn vị/units from {units_file}")
        options = AuditOptions(all_units=True, screenshots=screenshots and use_browser,
                                        use_browser=use_browser, fresh=True)
        outcome = asyncio.run(audit(ws, options, progress=progress))
    say(f"2/5 audit: run {outcome.run_id}, {len(outcome.units)} units, {outcome.pages} pages fetched")
    for unit in outcome.units:
        if unit.crawl_status not in ("ok", "partial"):
            say(f"    {unit.code}: {unit.crawl_status} ({unit.error})")

    with session(ws.engine) as s:
        surveys = import_selfreports(s, survey_file, blobs=ws.blobs)
    say(f"3/5 survey import: {surveys.rows} phiếu/forms from {survey_file}")

    # The demo is the whole yearly job: its results are published, as an official would at the end.
    exports = [score(ws, name, DEMO_YEAR, publish=True) for name in DEMO_FRAMEWORKS]
    say(f"4/5 score: {', '.join(DEMO_FRAMEWORKS)} for {DEMO_YEAR}")

    findings = findings_export(ws, outcome.run_id)
    reports = settings.reports_dir
    html_path = write_report("html", exports, findings, reports / "report.html")
    json_path = write_report("json", exports, findings, reports / "scores.json")
    findings_path = write_json(findings, reports / "findings.json")
    say("5/5 reports written")
    say("")
    for export in exports:
        say(ranking_table(export))
        say("")
    say(f"HTML report:     {html_path.resolve()}")
    say(f"JSON scores:     {json_path.resolve()}")
    say(f"JSON findings:   {findings_path.resolve()}")
    say(f"Database:        {ws.settings.database_url}")
    say(f"Wall time {time.monotonic() - started:.1f} s, {outcome.pages} pages fetched")
    return 0
