"""Change tracking and its notifications: the rules on findings, then two real nights whose changes arrive
at a webhook and an SMTP server started by the test."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from egov_audit.cli import main
from egov_audit.services.changes import compare_unit, section_checks
from egov_audit.services.notify import notify_changes, sign
from egov_audit.services.schedule import nightly_job
from egov_audit.services.settings import load_settings
from egov_audit.services.workspace import Workspace
from egov_audit.storage import nights_repo
from egov_audit.storage.db import session
from tests.nightly_portals import province, write_config
from tests.notify_receivers import SmtpReceiver, WebhookReceiver, closed_port, self_signed_certificate

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
SECTIONS = section_checks(CONFIG_DIR)


def _f(check: str, status: str, value=None, url: str | None = None) -> dict:
    return {"check": check, "status": status, "value": value,
            "evidence": [{"url": url}] if url else [], "reason": None, "looked_at": []}


def test_sections_are_the_checks_named_in_the_vocabulary():
    assert {"interact.qa", "info.news", "info.budget", "service.statistics", "tech.sitemap_html"} <= SECTIONS
    assert not {"fresh.news", "tech.https", "tech.response_time"} & SECTIONS


def test_a_vanished_section_names_where_it_was_and_an_appeared_one_where_it_is():
    before = ("ok", [_f("interact.qa", "pass", url="http://x/hoi-dap"), _f("info.budget", "fail")])
    after = ("ok", [_f("interact.qa", "fail"), _f("info.budget", "partial", url="http://x/ngan-sach")])
    appeared, vanished = compare_unit(before, after, None, SECTIONS)  # catalogue order
    assert (vanished.kind, vanished.direction, vanished.check) == ("section_vanished", "worse", "interact.qa")
    assert vanished.evidence_url == "http://x/hoi-dap" and "Hỏi đáp" in vanished.message_vi
    assert (appeared.kind, appeared.direction, appeared.evidence_url) == ("section_appeared", "better",
                                                                          "http://x/ngan-sach")


def test_stale_news_and_other_status_changes_have_a_direction():
    before = ("ok", [_f("fresh.news", "pass", 3), _f("tech.https", "pass"), _f("tech.search", "pass")])
    after = ("partial", [_f("fresh.news", "fail", 120), _f("tech.https", "partial"), _f("tech.search", "unknown")])
    stale, https, search = compare_unit(before, after, None, SECTIONS)
    assert (stale.kind, stale.direction, stale.after) == ("news_stale", "worse", "fail") and "120 ngày" in stale.message_vi
    assert (https.kind, https.direction) == ("check_status", "worse")
    assert (search.kind, search.direction) == ("check_status", "changed")  # to unknown is neither
    assert compare_unit(after, before, None, SECTIONS)[0].kind == "news_fresh"


def test_a_site_that_went_down_is_one_change_not_fifty_unknown_checks():
    up = ("ok", [_f("interact.qa", "pass"), _f("info.news", "pass")])
    down = ("unreachable", [_f("interact.qa", "unknown"), _f("info.news", "unknown")])
    (change,) = compare_unit(up, down, "connect_refused: [Errno 111]", SECTIONS)
    assert (change.kind, change.direction) == ("site_down", "worse") and "connect_refused" in change.message_vi
    (back,) = compare_unit(down, up, None, SECTIONS)
    assert (back.kind, back.direction) == ("site_back", "better")
    assert compare_unit(None, up, None, SECTIONS) == []  # a first run has nothing to compare with
    assert compare_unit(up, up, None, SECTIONS) == []


def _settings(tmp_path: Path, extra: str):
    settings = load_settings(write_config(tmp_path / "settings.toml", extra), env={})
    settings.data_dir = tmp_path / "data"
    return settings


def _night(tmp_path: Path, settings, demo) -> object:
    units = demo.units_csv(tmp_path / "units.csv")
    assert main(["--data-dir", str(settings.data_dir), "units", "import", str(units)]) == 0
    return nightly_job(settings)


def test_a_vanished_qa_page_and_a_site_gone_down_reach_the_webhook_and_the_mailbox(tmp_path, capsys):
    secret = "s3cret-shared-with-the-receiver"
    with WebhookReceiver(statuses=[503]) as hook, SmtpReceiver() as smtp:
        settings = _settings(tmp_path, f"""[notify]
webhook_url = "{hook.url}"
webhook_secret = "{secret}"
retry_backoff_seconds = 0.05
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
smtp_security = "none"
mail_from = "egov-audit@sokhcn.bacninh.gov.vn"
mail_to = "reviewer@sokhcn.bacninh.gov.vn, lead@sokhcn.bacninh.gov.vn"
""")
        with province() as first:
            first_night = _night(tmp_path, settings, first)
        assert first_night.notifications == []  # nothing to compare with: nothing sent
        # Next night: Yên Trung's Q&A page is gone, Tam Giang's server refuses connections.
        with province(drop={"27001": ("qa",)}, down=("27002",)) as second:
            second_night = _night(tmp_path, settings, second)
    assert second_night.status == "finished" and second_night.exit_code == 1  # a unit unreachable

    # Webhook: the first attempt got 503, the retry was delivered, same delivery id, signed body.
    assert len(hook.requests) == 2
    first_try, delivered = hook.requests
    assert first_try.body == delivered.body
    assert delivered.headers["x-egov-audit-delivery"] == first_try.headers["x-egov-audit-delivery"]
    expected = "sha256=" + hmac.new(secret.encode(), delivered.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivered.headers["x-egov-audit-signature"], expected)
    assert delivered.headers["content-type"].startswith("application/json")
    payload = json.loads(delivered.body)
    assert payload["event"] == "egov-audit.changes" and payload["run"]["id"] == second_night.run_id
    kinds = {(u["code"], c["kind"], c.get("check")) for u in payload["units"] for c in u["changes"]}
    assert ("27001", "section_vanished", "interact.qa") in kinds
    assert ("27002", "site_down", None) in kinds
    assert all(u["changes"] for u in payload["units"])  # only units that changed

    # E-mail: one message to both reviewers, Vietnamese first.
    (message,) = smtp.messages
    assert message["To"] == "reviewer@sokhcn.bacninh.gov.vn, lead@sokhcn.bacninh.gov.vn"
    assert message["Subject"].startswith("[egov-audit] 2 đơn vị có thay đổi")
    body = message.get_content()
    assert "Mất mục «Hỏi đáp»" in body and "Xã Yên Trung (27001)" in body
    assert body.index("Cổng thông tin không truy cập được") < body.index("Portal went down")

    ws = Workspace.open(settings)
    with session(ws.engine) as s:
        sent = nights_repo.deliveries(s, second_night.run_id)
    assert [(d["channel"], d["status"], d["attempts"]) for d in sent] == [("webhook", "sent", 2), ("email", "sent", 1)]
    assert "t0ps3cret" not in sent[0]["target"]  # tokens in webhook URLs are not recorded
    with session(ws.engine) as s:  # nor is the signing secret copied into the run's settings snapshot
        from egov_audit.storage import runs_repo

        assert secret not in runs_repo.get_run(s, second_night.run_id).settings_json

    # The same changes from the command line, as text and JSON, computed again from the stored run.
    capsys.readouterr()
    assert main(["--data-dir", str(settings.data_dir), "changes", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["run"]["id"] == second_night.run_id and document["summary"]["changed"] == 2
    assert document["summary"]["by_kind"]["section_vanished"] >= 1 and document["summary"]["by_kind"]["site_down"] == 1
    assert [u for u in document["units"] if u["code"] == "27001"][0]["changes"] == [
        c for u in payload["units"] if u["code"] == "27001" for c in u["changes"]]
    assert main(["--data-dir", str(settings.data_dir), "changes", "--run", first_night.run_id]) == 0
    assert "Không có thay đổi" in capsys.readouterr().out
    assert main(["--data-dir", str(settings.data_dir), "changes", "--run", "nope"]) == 2
    # The night's metrics count the refused site by its failure class.
    metrics = json.loads(Path(second_night.reports[-1]).read_text(encoding="utf-8"))
    assert metrics["units"]["by_crawl_status"]["unreachable"] == 1
    assert metrics["errors"]["units_by_crawl_error"] == {"connect_refused": 1}
    # The night's HTML report shows them too.
    html = Path(second_night.reports[0]).read_text(encoding="utf-8")
    assert "Mất mục «Hỏi đáp»" in html and "Portal went down" in html
    ws.engine.dispose()


def _changes_document(run_id: str = "r1") -> dict:
    return {"run": {"id": run_id, "started_at": "2026-12-07T18:30:00+00:00", "finished_at": None, "status": "finished"},
            "summary": {"units": 1, "compared": 1, "changed": 1, "worse": 1, "better": 0, "by_kind": {"site_down": 1}},
            "units": [{"code": "27001", "name": "Xã Yên Trung", "level": "commune", "previous_run": "r0",
                       "crawl": {"before": "ok", "after": "unreachable"},
                       "changes": [{"kind": "site_down", "direction": "worse", "message_vi": "Cổng không truy cập được",
                                    "message_en": "Portal went down", "check": None, "before": "ok",
                                    "after": "unreachable", "evidence_url": None}]}]}


def _workspace_with_run(tmp_path: Path, extra: str) -> tuple[Workspace, str]:
    from egov_audit.storage import runs_repo

    ws = Workspace.open(_settings(tmp_path, extra))
    with session(ws.engine) as s:
        run_id = runs_repo.create_run(s, options={}, settings={}).id
    return ws, run_id


def test_notifications_that_cannot_be_delivered_are_recorded_and_never_raise(tmp_path):
    ws, run_id = _workspace_with_run(tmp_path, f"""[notify]
webhook_url = "http://127.0.0.1:{closed_port()}/hook"
webhook_retries = 1
retry_backoff_seconds = 0.01
webhook_timeout_seconds = 2
smtp_host = "127.0.0.1"
smtp_port = {closed_port()}
smtp_security = "none"
smtp_retries = 0
mail_to = "reviewer@example.gov.vn"
""")
    deliveries = notify_changes(ws, _changes_document(run_id))
    assert [(d.channel, d.status, d.attempts) for d in deliveries] == [("webhook", "failed", 2), ("email", "failed", 1)]
    assert all(d.error for d in deliveries)
    with session(ws.engine) as s:
        recorded = nights_repo.deliveries(s, run_id)
    assert [(d["channel"], d["status"]) for d in recorded] == [("webhook", "failed"), ("email", "failed")]
    assert "ConnectError" in recorded[0]["error"] and "Connection" in recorded[1]["error"]
    ws.engine.dispose()


def test_a_webhook_answering_a_client_error_is_not_retried(tmp_path):
    with WebhookReceiver(statuses=[401]) as hook:
        ws, run_id = _workspace_with_run(tmp_path, f'[notify]\nwebhook_url = "{hook.url}"\n')
        (delivery,) = notify_changes(ws, _changes_document(run_id))
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 1, "HTTP 401")
    assert "x-egov-audit-signature" not in hook.requests[0].headers  # no secret configured: unsigned
    ws.engine.dispose()


def test_e_mail_over_starttls_with_a_login(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    with SmtpReceiver(tls=(cert, key), login=("egov", "mật-khẩu")) as smtp:
        extra = f"""[notify]
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
smtp_security = "starttls"
smtp_ca_file = "{cert}"
smtp_username = "egov"
smtp_password = "mật-khẩu"
mail_to = "reviewer@example.gov.vn"
"""
        ws, run_id = _workspace_with_run(tmp_path, extra)
        (delivery,) = notify_changes(ws, _changes_document(run_id), night="2026-12-08")
        assert (delivery.status, delivery.error) == ("sent", None)
        (message,) = smtp.messages
        assert "đêm 2026-12-08" in message["Subject"]
        # Without the CA the server's certificate is refused: never sent in clear instead.
        ws.settings.notify.smtp_ca_file = ""
        (refused,) = notify_changes(ws, _changes_document(run_id))
        assert refused.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in refused.error
        assert refused.attempts == 1  # not retried: waiting does not fix a certificate
        assert len(smtp.messages) == 1
    ws.engine.dispose()


def test_the_signature_is_hmac_sha256_of_the_exact_body():
    body = '{"a": "Xã"}'.encode()
    assert sign(body, "k") == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("when,changed,sent", [("changes", 0, False), ("changes", 1, True), ("always", 0, True),
                                               ("never", 1, False)])
def test_when_to_notify(when, changed, sent):
    from egov_audit.services.notify import should_notify
    from egov_audit.services.settings import NotifySettings

    document = {"summary": {"changed": changed}}
    assert should_notify(NotifySettings(when=when), document) is sent
