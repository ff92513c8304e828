"""Why a page or a whole site could not be fetched: the failure classes every layer names and exports."""

from __future__ import annotations

from enum import StrEnum


class FailureClass(StrEnum):
    """Why a page (or a whole site) could not be fetched; exported as-is."""

    DNS = "dns"
    CONNECT_REFUSED = "connect_refused"
    CONNECTION_RESET = "connection_reset"
    TLS = "tls"
    TIMEOUT = "timeout"
    HTTP_STATUS = "http_status"
    ROBOTS = "robots"
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    OUT_OF_SCOPE = "out_of_scope"
    PRIVATE_ADDRESS = "private_address"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    DECOMPRESSION_BOMB = "decompression_bomb"
    BUDGET = "budget"
    TRAP = "trap"
    PROTOCOL = "protocol"
    OTHER = "other"
