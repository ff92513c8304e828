"""``python -m egov_audit.cli``: the same program as the ``egov-audit`` command."""

from egov_audit.cli import main

raise SystemExit(main())
