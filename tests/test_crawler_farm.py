"""A little portal farm for the crawler tests: threaded HTTP servers on 127.0.0.1 that log every request.

Routes map a path (with query, or without it as a fallback) to HTML text, a ``(status, headers, body)``
tuple, or a callable ``(path, hits) -> (status, headers, body)``. Every request path, its start time and
the number of requests in flight at once are recorded so tests can check what the crawler did.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Response = tuple[int, list[tuple[str, str]], bytes]
Route = str | bytes | Response | Callable[[str, int], Response]

NOT_FOUND = "<html><head><title>Không tìm thấy trang</title></head><body><h1>404</h1></body></html>"


def page(title: str, body: str = "", nav: str = "") -> str:
    """A realistic commune/district portal page in Vietnamese (UTF-8)."""
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<header><div class="logo">CỔNG THÔNG TIN ĐIỆN TỬ</div></header>
<nav id="main-menu">{nav}</nav>
<main><h1>{title}</h1>{body}</main>
<footer>Bản quyền © 2025 Ủy ban nhân dân. Địa chỉ: số 1 đường Trần Phú.</footer>
</body></html>"""


class Farm:
    def __init__(self, routes: dict[str, Route], handler_delay: float = 0.0) -> None:
        self.routes = routes
        self.handler_delay = handler_delay
        self.log: list[str] = []
        self.times: list[tuple[str, float]] = []
        self.hits: Counter[str] = Counter()
        self.inflight = 0
        self.max_inflight = 0
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                with farm._lock:
                    farm.log.append(self.path)
                    farm.times.append((self.path, time.monotonic()))
                    farm.hits[self.path] += 1
                    hits = farm.hits[self.path]
                    farm.inflight += 1
                    farm.max_inflight = max(farm.max_inflight, farm.inflight)
                    farm.user_agents.add(self.headers.get("User-Agent", ""))
                try:
                    if farm.handler_delay:
                        time.sleep(farm.handler_delay)
                    status, headers, body = farm.respond(self.path, hits)
                    self.send_response(status)
                    names = {k.lower() for k, _ in headers}
                    for key, value in headers:
                        self.send_header(key, value)
                    if "content-length" not in names:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the crawler stopped reading (size caps): that is the point
                finally:
                    with farm._lock:
                        farm.inflight -= 1

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the crawler closing connections early (size caps) is expected

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def respond(self, path: str, hits: int) -> Response:
        route = self.routes.get(path)
        if route is None:
            route = self.routes.get(path.split("?", 1)[0])
        if route is None:
            return 404, [("Content-Type", "text/html; charset=utf-8")], NOT_FOUND.encode()
        if callable(route):
            return route(path, hits)
        if isinstance(route, tuple):
            return route
        body = route.encode("utf-8") if isinstance(route, str) else route
        return 200, [("Content-Type", "text/html; charset=utf-8")], body

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fetched(self, prefix: str) -> list[str]:
        return [p for p in self.log if p.startswith(prefix)]

    def __enter__(self) -> Farm:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# TCVN3 (ABC, .VnTime fonts): Vietnamese letters as single bytes, shown as Latin-1 symbols elsewhere.
_TCVN3 = dict(
    zip(
        "ăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ",
        "\xa8\xa9\xaa\xab\xac\xad\xae\xb5\xb6\xb7\xb8\xb9\xbb\xbc\xbd\xbe\xc6\xc7\xc8\xc9\xca\xcb"
        "\xcc\xce\xcf\xd0\xd1\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xdc\xdd\xde\xdf\xe1\xe2\xe3\xe4\xe5\xe6"
        "\xe7\xe8\xe9\xea\xeb\xec\xed\xee\xef\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe",
        strict=True,
    )
)
_TCVN3.update({"Ă": "\xa1", "Â": "\xa2", "Ê": "\xa3", "Ô": "\xa4", "Ơ": "\xa5", "Ư": "\xa6", "Đ": "\xa7"})


def encode_tcvn3(text: str) -> bytes:
    """Encode Vietnamese text as a TCVN3 document would store it (capitals with tones use the
    lowercase code, as typists did with the capital .VnTimeH font)."""
    out = []
    for char in text:
        code = _TCVN3.get(char) or _TCVN3.get(char.lower())
        out.append(code if code and (char in _TCVN3 or not char.isascii()) else char)
    return "".join(out).encode("latin-1")


_VNI_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRC_TONES = {"\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE_TONES = {"\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}


def encode_vni(text: str) -> str:
    """VNI-Windows as Latin-1 text (lowercase letters; enough for detector tests)."""
    import unicodedata

    out = []
    for char in text:
        if char == "đ":
            out.append("ñ")
            continue
        if char == "Đ":
            out.append("Ñ")
            continue
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        tone = next((m for m in marks if m in _VNI_TONES), None)
        if "\u031b" in marks:  # horn: ơ ư are single letters ô ö in VNI
            out.append({"o": "ô", "u": "ö", "O": "Ô", "U": "Ö"}[base])
            if tone:
                out.append(_VNI_TONES[tone])
        elif "\u0302" in marks:
            out.append(base + (_VNI_CIRC_TONES[tone] if tone else "â"))
        elif "\u0306" in marks:
            out.append(base + (_VNI_BREVE_TONES[tone] if tone else "ê"))
        elif tone:
            out.append(base + _VNI_TONES[tone])
        else:
            out.append(char)
    return "".join(out)


def encode_cp1258(text: str) -> bytes:
    """windows-1258 bytes: letters with circumflex/breve/horn precomposed, tone marks combining."""
    import unicodedata

    out = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and char in "\u0302\u0306\u031b" and out:
            out[-1] = unicodedata.normalize("NFC", out[-1] + char)
        else:
            out.append(char)
    return "".join(out).encode("cp1258")
