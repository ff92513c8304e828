"""Notifications of a night's changes: a signed JSON webhook and an e-mail through SMTP.

Both are best effort by design: each channel is tried with its retries, the outcome (sent or failed, the
attempts and the last error) is logged and recorded in ``notification_delivery``, and nothing here
raises, so a mail server that is down never fails the night.

Webhook: ``POST`` of a JSON document (``event`` ``egov-audit.changes``, the run, the summary and the
units that changed), ``Content-Type: application/json; charset=utf-8``, and the headers
``X-Egov-Audit-Event``, ``X-Egov-Audit-Delivery`` (the same id on every retry, so a receiver can drop
duplicates) and, with ``notify.webhook_secret`` set, ``X-Egov-Audit-Signature: sha256=<hex>``, the
HMAC-SHA256 of the exact body bytes with the secret (verify it before trusting the body).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from egov_audit.services.changes import changes_text
from egov_audit.services.settings import NotifySettings
from egov_audit.services.workspace import Workspace, log
from egov_audit.storage import nights_repo
from egov_audit.storage.db import session

EVENT = "egov-audit.changes"
SIGNATURE_HEADER = "X-Egov-Audit-Signature"
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 60.0


@dataclass
class Delivery:
    channel: str
    target: str
    delivery_id: str
    status: str
    attempts: int
    error: str | None = None


def sign(body: bytes, secret: str) -> str:
    """The value of the signature header for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_payload(document: dict[str, Any], delivery_id: str, night: str | None,
                    report_base_url: str = "") -> dict[str, Any]:
    """The webhook's JSON body: the run, the summary and only the units that changed."""
    units = [u for u in document["units"] if u["changes"]]
    if report_base_url:
        base = report_base_url.rstrip("/")
        for unit in units:
            unit["url"] = f"{base}/runs/{document['run']['id']}/units/{unit['code']}"
    return {"event": EVENT, "schema": 1, "delivery_id": delivery_id,
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"), "night": night, "run": document["run"],
            "summary": document["summary"], "units": units}


def webhook_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _shown_target(url: str) -> str:
    """The webhook URL as recorded: scheme and host only, since paths and queries often carry tokens."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}/…"


def _retry_wait(attempt: int, base: float, retry_after: str | None) -> float:
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_RETRY_AFTER_SECONDS)
    return base * (2 ** attempt)


def send_webhook(config: NotifySettings, payload: dict[str, Any]) -> Delivery:
    import httpx

    body = webhook_body(payload)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "egov-audit-notify",
               "X-Egov-Audit-Event": EVENT, "X-Egov-Audit-Delivery": payload["delivery_id"]}
    if config.webhook_secret:
        headers[SIGNATURE_HEADER] = sign(body, config.webhook_secret)
    delivery = Delivery("webhook", _shown_target(config.webhook_url), payload["delivery_id"], "failed", 0)
    with httpx.Client(timeout=config.webhook_timeout_seconds, follow_redirects=False, trust_env=False) as client:
        for attempt in range(config.webhook_retries + 1):
            delivery.attempts = attempt + 1
            retry_after = None
            try:
                response = client.post(config.webhook_url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                delivery.error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            else:
                if 200 <= response.status_code < 300:
                    delivery.status, delivery.error = "sent", None
                    return delivery
                delivery.error = f"HTTP {response.status_code}"
                if response.status_code not in RETRYABLE_STATUS:
                    return delivery
                retry_after = response.headers.get("Retry-After")
            if attempt < config.webhook_retries:
                time.sleep(_retry_wait(attempt, config.retry_backoff_seconds, retry_after))
    return delivery


def email_message(config: NotifySettings, document: dict[str, Any], night: str | None,
                  report: str | None = None) -> EmailMessage:
    """The notification e-mail: subject and body Vietnamese first, then English."""
    summary = document["summary"]
    when = night or (document["run"].get("started_at") or "")[:10]
    message = EmailMessage()
    message["Subject"] = (f"[egov-audit] {summary['changed']} đơn vị có thay đổi, {summary['worse']} xấu đi — đêm {when} "
                          f"({summary['changed']} units changed)")
    message["From"] = config.mail_from
    message["To"] = ", ".join(_recipients(config))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.mail_from.rpartition("@")[2] or "localhost")
    text = changes_text(document)
    if report:
        text += f"\nBáo cáo đầy đủ / Full report: {report}\n"
    if config.report_base_url:
        text += f"Xem chi tiết / Review: {config.report_base_url.rstrip('/')}/runs/{document['run']['id']}/night\n"
    message.set_content(text, charset="utf-8")
    return message


def _recipients(config: NotifySettings) -> list[str]:
    return [r.strip() for r in config.mail_to.split(",") if r.strip()]


def _tls_context(config: NotifySettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=config.smtp_ca_file or None)


def _smtp_once(config: NotifySettings, message: EmailMessage) -> None:
    timeout = config.smtp_timeout_seconds
    if config.smtp_security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.smtp_host, config.smtp_port, timeout=timeout,
                                              context=_tls_context(config))
    else:
        smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if config.smtp_security == "starttls":
            # Required, never optional: a server that does not offer STARTTLS fails the delivery rather
            # than receiving the password and the findings in clear text.
            smtp.starttls(context=_tls_context(config))
            smtp.ehlo()
        if config.smtp_username:
            _login(smtp, config.smtp_username, config.smtp_password)
        smtp.send_message(message)


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; a non-ASCII name or password (Vietnamese) goes as UTF-8 in AUTH PLAIN (RFC 4616), which
    ``smtplib.login`` cannot send."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPAuthenticationError(504, b"the server offers no AUTH PLAIN for a non-ASCII login")
    token = base64.b64encode(b"\0" + username.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, reply = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _smtp_retryable(exc: Exception) -> bool:
    if isinstance(exc, ssl.SSLError):  # a certificate or TLS setup problem does not go away by waiting
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError)


def send_email(config: NotifySettings, message: EmailMessage, delivery_id: str) -> Delivery:
    delivery = Delivery("email", ", ".join(_recipients(config)), delivery_id, "failed", 0)
    for attempt in range(config.smtp_retries + 1):
        delivery.attempts = attempt + 1
        try:
            _smtp_once(config, message)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            delivery.error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            if not _smtp_retryable(exc) or attempt == config.smtp_retries:
                return delivery
            time.sleep(config.retry_backoff_seconds * (2 ** attempt))
        else:
            delivery.status, delivery.error = "sent", None
            return delivery
    return delivery


def should_notify(config: NotifySettings, document: dict[str, Any]) -> bool:
    return config.when == "always" or (config.when == "changes" and document["summary"]["changed"] > 0)


def notify_changes(ws: Workspace, document: dict[str, Any], night: str | None = None,
                   report: str | None = None) -> list[Delivery]:
    """Send the changes document to every configured channel; outcomes logged and recorded, never raised."""
    config = ws.settings.notify
    if not should_notify(config, document):
        return []
    run_id = document["run"]["id"]
    deliveries: list[Delivery] = []
    body_digest = None
    if config.webhook_url:
        delivery_id = uuid.uuid4().hex
        payload = webhook_payload(document, delivery_id, night, config.report_base_url)
        body_digest = "sha256:" + hashlib.sha256(webhook_body(payload)).hexdigest()
        deliveries.append(_guarded("webhook", config.webhook_url, delivery_id, lambda: send_webhook(config, payload)))
    if config.smtp_host and _recipients(config):
        delivery_id = uuid.uuid4().hex
        deliveries.append(_guarded("email", config.mail_to, delivery_id, lambda: send_email(
            config, email_message(config, document, night, report), delivery_id)))
    for d in deliveries:
        if d.status == "sent":
            log.info("notification sent", extra={"fields": {"channel": d.channel, "run": run_id, "attempts": d.attempts}})
        else:
            log.error("notification failed", extra={"fields": {"channel": d.channel, "run": run_id,
                                                                "attempts": d.attempts, "error": d.error}})
    try:
        with session(ws.engine) as s:
            for d in deliveries:
                nights_repo.record_delivery(s, run_id, d.channel, d.target, d.delivery_id, d.status, d.attempts,
                                            d.error, body_digest if d.channel == "webhook" else None)
    except Exception:  # noqa: BLE001 - recording the outcome must not fail the night either
        log.exception("notification outcomes of run %s could not be recorded", run_id)
    return deliveries


def _guarded(channel: str, target: str, delivery_id: str, send: Any) -> Delivery:
    """Run one channel's delivery; an unexpected error becomes a failed delivery, not an exception."""
    try:
        return send()
    except Exception as exc:  # noqa: BLE001
        log.exception("notification through %s failed unexpectedly", channel)
        shown = _shown_target(target) if channel == "webhook" else target
        return Delivery(channel, shown, delivery_id, "failed", 1, f"{type(exc).__name__}: {exc}")
