"""Freshness checks (fresh.*): days since the newest dated news item and the newest document."""
