"""The review web app (``egov-audit serve``): a province overview, unit and finding pages with their evidence
and the stored page in a sandbox, decisions with reasons, the keyboard review queue, disputes through unit
links and re-tests, the read-only JSON API, server-side sessions and an audit log."""

from egov_audit.review.app import create_app, serve

__all__ = ["create_app", "serve"]
