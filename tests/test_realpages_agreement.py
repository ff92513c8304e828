"""The real development corpus (../shared/realpages/, issue 8): six Đắk Nông SharePoint portals nobody here wrote.

The pages are read from ../shared (never copied into the project), served on 127.0.0.1 as a static host serves a
folder, and audited as an audit does (tests/audit_gathering.py: crawl with the Chromium renderer, every probe,
the framework's check options). The labels (tests/realworld/realpages_labels/, written before the checks first
ran on these pages) must stay valid, and the agreement over the judged labels must never fall below the floors:
the figures of the first run (after the two labelling corrections listed in the labels README). Rule fixes can
only raise them; the target of the issue is agreement ≥ 0.95 and pass precision ≥ 0.98. With CI=true a missing
../shared/realpages fails these tests instead of skipping them. ``pytest -s`` prints the per-check table.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from fractions import Fraction

import httpx
import pytest

from egov_audit.checks import CHECK_IDS
from tests.audit_gathering import audit_sites
from tests.realworld.realpages import (
    LABELS_DIR,
    REALPAGES,
    SITES,
    CorpusReport,
    RealCorpus,
    compare_corpus,
    corpus_targets,
    label_problems,
    load_labels,
    require_corpus,
)

# First run, labels as corrected (bench/results/realpages-first-run.json has the run against the labels as
# first committed: 204 of 240). Raise these when a rule fix raises the figures; never lower them.
# After issue 8 (section recognition the way a visitor clicks, and the check rules: dates, tab panels, forms,
# procedures, contact, ownership, English version, answered Q&A): 239/240, pass precision 45/45, recall 45/46
# measured. The floors keep one check of slack for a Chromium probe that times out on a loaded machine
# (tech.mobile "browser not available"); pass precision holds the target, 0.98.
FLOOR_AGREEMENT = Fraction(238, 240)
FLOOR_PASS_PRECISION = Fraction(49, 50)
FLOOR_PASS_RECALL = Fraction(44, 46)
JUDGED_PER_SITE = 40


def test_every_site_has_a_valid_label_file_for_every_check() -> None:
    assert sorted(p.stem for p in LABELS_DIR.glob("*.yaml")) == sorted(site.host for site in SITES)
    for site in SITES:
        assert label_problems(site.host) == [], site.host
        labels = load_labels(site.host)
        assert set(labels) == set(CHECK_IDS), site.host
        assert sum(label.judged for label in labels.values()) == JUDGED_PER_SITE, site.host
        # Every judged label that found something says where (tech.unicode is a property of every page).
        unproved = [cid for cid, label in labels.items()
                    if label.judged and label.status in ("pass", "partial") and not label.url and cid != "tech.unicode"]
        assert unproved == [], (site.host, unproved)


def test_label_problems_name_the_file_and_the_check(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tests.realworld.realpages as realpages

    monkeypatch.setattr(realpages, "LABELS_DIR", tmp_path)
    (tmp_path / "x.daknong.gov.vn.yaml").write_text(
        "site: x.daknong.gov.vn\nchecks:\n  info.news: {status: passed}\n  info.nope: {status: pass}\n"
        "  fresh.news: {status: fail, newest: yesterday}\n", encoding="utf-8")
    problems = realpages.label_problems("x.daknong.gov.vn")
    text = "\n".join(problems)
    assert "x.daknong.gov.vn.yaml: info.news: status must be one of" in text
    assert "info.nope: not a check id" in text
    assert "fresh.news: judged must be true/false and newest a date" in text
    assert "info.introduction is not labelled" in text
    assert realpages.label_problems("missing.example") == [f"{tmp_path / 'missing.example.yaml'}: missing"]


def test_a_missing_corpus_fails_under_ci_and_skips_otherwise(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tests.realworld.realpages as realpages

    monkeypatch.setattr(realpages, "REALPAGES", tmp_path / "realpages")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="real corpus is missing"):
        realpages.require_corpus()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        realpages.require_corpus()


@pytest.fixture(scope="module")
def corpus() -> Iterator[RealCorpus]:
    require_corpus()
    with RealCorpus() as running:
        yield running


def test_every_corpus_folder_is_a_labelled_site(corpus: RealCorpus) -> None:
    folders = sorted(p.name for p in REALPAGES.iterdir() if p.is_dir())
    assert folders == sorted(site.host for site in SITES)


def test_sites_are_served_as_a_static_host_serves_a_folder(corpus: RealCorpus) -> None:
    with httpx.Client(trust_env=False, timeout=10) as http:
        home = http.get(corpus.portal_url("cujut.daknong.gov.vn"))
        assert home.status_code == 200 and home.headers["content-type"] == "text/html; charset=utf-8"
        assert "Cư Jút" in home.text
        origin = corpus.origin("cujut.daknong.gov.vn")
        moved = http.get(origin + "/gioi-thieu")
        assert moved.status_code == 301 and moved.headers["location"] == "/gioi-thieu/"
        assert http.get(origin + "/gioi-thieu/").status_code == 200
        # Vendor links to /web/<timestamp>/… stay as they are: they are the site's own broken links.
        assert http.get(origin + "/web/20130403034653/http/cujut.daknong.gov.vn/pages/lien-he.aspx").status_code == 404
        # The corpus's notes are not part of any site, and a static host lists no folder.
        for path in ("/SOURCE.md", "/_files.tsv", "/img/"):
            assert http.get(corpus.origin("dakrlap.daknong.gov.vn") + path).status_code == 404, path
        assert http.get(corpus.origin("dakrlap.daknong.gov.vn") + "/img/rungnct.html").status_code == 200


@pytest.fixture(scope="module")
def report(corpus: RealCorpus, tmp_path_factory: pytest.TempPathFactory) -> CorpusReport:
    result = compare_corpus(corpus, asyncio.run(audit_sites(corpus_targets(corpus))))
    out = tmp_path_factory.mktemp("realpages") / "realpages_agreement.json"
    out.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(f"\ncheck                          n  agree  p.prec  p.rec   (written to {out})")
    for row in result.rows.values():
        if row.compared:
            print(f"{row.check:28} {row.compared:3d} {row.agreement:6.2f} "
                  f"{row.pass_precision if row.pass_precision is not None else float('nan'):6.2f} "
                  f"{row.pass_recall if row.pass_recall is not None else float('nan'):6.2f}")
    overall = result.overall()
    print(f"overall {overall.agreed}/{overall.compared} agreement, pass precision {overall.pass_correct}/"
          f"{overall.called_pass}, pass recall {overall.pass_found}/{overall.labelled_pass}")
    return result


def test_every_site_was_audited(report: CorpusReport) -> None:
    assert set(report.crawl_status.values()) <= {"ok", "partial"}, report.crawl_status
    assert all(pages >= 1 for pages in report.pages.values()), report.pages
    assert report.overall().compared == JUDGED_PER_SITE * len(SITES)


def test_agreement_never_falls_below_the_first_run(report: CorpusReport) -> None:
    overall = report.overall()
    misses = "\n".join(f"{row.check}: {item}" for row in report.rows.values() for item in row.disagreements)
    assert Fraction(overall.agreed, overall.compared) >= FLOOR_AGREEMENT, misses
    assert Fraction(overall.pass_correct, overall.called_pass) >= FLOOR_PASS_PRECISION, misses
    assert Fraction(overall.pass_found, overall.labelled_pass) >= FLOOR_PASS_RECALL, misses
