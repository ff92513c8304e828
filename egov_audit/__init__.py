"""egov-audit: audits the web presence of Vietnamese local governments and scores them, with evidence."""

__version__ = "0.1.0"
