"""The review web app: reviewers inspect findings with their evidence, confirm or override them with a
reason, exclude units from ranking, look over survey cross-checks and re-score (``egov-audit serve``)."""

from egov_audit.review.app import create_app, serve

__all__ = ["create_app", "serve"]
