"""egov-audit: audits the web presence of Vietnamese local governments and scores them, with evidence."""

__version__ = "0.1.0"

CONTACT_URL = "https://github.com/egov-audit/egov-audit"
"""Where a portal's administrator learns who is crawling (named in every User-Agent the auditor sends)."""
