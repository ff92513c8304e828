"""Re-audits of one unit asked for from the review app (after a dispute, or when a portal was fixed).

An audit takes minutes, so a request only queues a job (``retest`` table) and a background thread of the
app runs the queue one job at a time with ``services.audit.audit`` on that unit alone: the same crawl,
checks and evidence as the nightly run, in a run of its own, so the earlier run's evidence and the
decisions made on it stay as they were. A server stopped mid-job leaves it ``running``; the next start
queues it again and the audit resumes its unfinished run.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading

from sqlmodel import Session

from egov_audit.core.errors import InputError
from egov_audit.services.audit import AuditOptions, audit
from egov_audit.services.decisions import DecisionError
from egov_audit.services.workspace import Workspace
from egov_audit.storage import audit_log_repo, disputes_repo, retests_repo, units_repo
from egov_audit.storage.db import session
from egov_audit.storage.models import Retest

log = logging.getLogger("egov_audit.retests")


def request_retest(s: Session, unit_code: str, requested_by: str, dispute_id: int | None = None,
                   client: str | None = None) -> Retest:
    """Queue a re-audit of one unit (one open job per unit); a dispute it answers gets the event."""
    if units_repo.get_unit(s, unit_code) is None:
        raise LookupError(unit_code)
    if retests_repo.open_retest(s, unit_code) is not None:
        raise DecisionError("Đơn vị này đang được kiểm tra lại.", "A re-test of this unit is already queued or running.")
    if dispute_id is not None:
        dispute = disputes_repo.get_dispute(s, dispute_id)
        if dispute is None or dispute.unit_code != unit_code:
            raise DecisionError("Khiếu nại không thuộc đơn vị này.", "The dispute is not this unit's.")
    job = retests_repo.add_retest(s, unit_code, requested_by, dispute_id)
    if dispute_id is not None:
        disputes_repo.add_event(s, dispute_id, "retest_requested", requested_by, retest_id=job.id)
    audit_log_repo.record_event(s, "retest_requested", requested_by, unit_code=unit_code, client=client,
                                retest_id=job.id, dispute=dispute_id)
    return job


def run_retest(ws: Workspace, job: Retest) -> Retest:
    """Audit the job's unit now (blocking) and record how it ended."""
    # A copy of the settings: the audit adjusts browser settings for its run, and the app's stay as they were.
    settings = copy.deepcopy(ws.settings)
    job_ws = Workspace(settings=settings, engine=ws.engine, blobs=ws.blobs)
    use_browser = settings.review.retest_use_browser and settings.browser.enabled
    options = AuditOptions(unit_codes=[job.unit_code], screenshots=use_browser, use_browser=use_browser)
    run_id, error = None, None
    try:
        outcome = asyncio.run(audit(job_ws, options))
        run_id = outcome.run_id
    except InputError as exc:
        error = f"Không bắt đầu được / could not start: {exc}"
    except Exception as exc:  # noqa: BLE001  (the job records any failure; the worker goes on)
        log.exception("re-test %s of unit %s failed", job.id, job.unit_code)
        error = f"{type(exc).__name__}: {exc}"
    with session(ws.engine) as s:
        done = retests_repo.finish(s, job.id or 0, "failed" if error else "finished", run_id, error)
        audit_log_repo.record_event(s, "retest_finished", job.requested_by, unit_code=job.unit_code,
                                    retest_id=job.id, run=run_id, status=done.status, error=error)
    return done


class RetestWorker:
    """Runs queued re-tests in one background thread, started when there is work (``wake``)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pending = False

    def recover(self) -> int:
        """Queue again the jobs a stopped server left running (call once, at start)."""
        with session(self.ws.engine) as s:
            return retests_repo.requeue_running(s)

    def wake(self) -> None:
        with self._lock:
            self._pending = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._drain, name="egov-retests", daemon=True)
                self._thread.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                self._pending = False
            while True:
                with session(self.ws.engine) as s:
                    job = retests_repo.claim_next(s)
                if job is None:
                    break
                run_retest(self.ws, job)
            with self._lock:
                # A wake() that came while the queue was being emptied is handled before the thread ends.
                if not self._pending:
                    self._thread = None
                    return
