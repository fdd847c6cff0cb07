"""The audition web app: a standard-library HTTP server with one static page and JSON endpoints.

Everything the page loads comes from this server; the Content-Security-Policy tells the browser to refuse
anything else. Requests must name this machine in their Host header (no DNS rebinding) and requests that
change state must be JSON (a cross-site form cannot send it).
"""
from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from toolkit.audition.takes import Audition
from toolkit.errors import ToolkitError
from toolkit.report.html import asset as report_asset

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}
#: Only this server: no fonts, scripts, styles, images or media from any other host.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
          "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
#: path -> (package folder, file, content type)
STATIC = {
    "/": ("toolkit.audition", "index.html", "text/html; charset=utf-8"),
    "/assets/audition.js": ("toolkit.audition", "audition.js", "text/javascript; charset=utf-8"),
    "/assets/audition.css": ("toolkit.audition", "audition.css", "text/css; charset=utf-8"),
    "/assets/icon.svg": ("toolkit.audition", "icon.svg", "image/svg+xml"),
    "/assets/page.css": ("toolkit.report", "page.css", "text/css; charset=utf-8"),
}
TAKE_FILE = re.compile(r"^/takes/(?P<take>\d+)(?:/clips/(?P<clip>\d+)\.wav|/mel/(?P<mel>\d+)\.png|\.zip)$")
TAKE_STATE = re.compile(r"^/api/takes/(?P<take>\d+)$")
BYTE_RANGE = re.compile(r"^bytes=(?P<first>\d+)-(?P<last>\d*)$")
MAX_BODY = 4096


def is_loopback(host: str) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def static_text(package: str, name: str) -> str:
    if package == "toolkit.report":
        return report_asset(name)
    return resources.files(package).joinpath("assets", name).read_text(encoding="utf-8")


class AuditionServer(ThreadingHTTPServer):
    """Serves one :class:`Audition`; ``url`` is where to open it."""

    daemon_threads = True

    def __init__(self, audition: Audition, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.audition = audition
        self.local_only = is_loopback(host)
        super().__init__((host, port), AuditionHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, notebooks); stop with :meth:`stop`."""
        thread = threading.Thread(target=self.serve_forever, name="audition-server", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.audition.close()


class AuditionHandler(BaseHTTPRequestHandler):
    server: AuditionServer
    protocol_version = "HTTP/1.1"

    # -- routing -------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        if not self._host_allowed():
            return
        path = self.path.split("?", 1)[0]
        audition = self.server.audition
        try:
            if path in STATIC:
                package, name, content_type = STATIC[path]
                self._send(static_text(package, name).encode("utf-8"), content_type)
            elif path == "/api/model":
                self._json(audition.describe())
            elif path == "/api/takes":
                self._json(audition.takes())
            elif match := TAKE_STATE.match(path):
                self._json(audition.snapshot(audition.take(int(match["take"]))))
            elif match := TAKE_FILE.match(path):
                self._take_file(audition, match)
            else:
                self._error(HTTPStatus.NOT_FOUND, f"nothing at {path}")
        except ToolkitError as exc:
            self._error(HTTPStatus.NOT_FOUND, str(exc))

    def do_POST(self) -> None:
        if not self._host_allowed():
            return
        if self.path != "/api/takes":
            self._error(HTTPStatus.NOT_FOUND, f"nothing to post at {self.path}")
            return
        if self.headers.get_content_type() != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the take as application/json")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a take request is at most {MAX_BODY} bytes")
            return
        try:
            fields = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(fields, dict):
                raise ValueError("not an object")
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, "the request is not a JSON object")
            return
        audition = self.server.audition
        try:
            take = audition.request(fields.get("category"), fields.get("n", 1), fields.get("seed", 0),
                                    fields.get("noise_scale"))
        except ToolkitError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        self._json(audition.snapshot(take), HTTPStatus.ACCEPTED)

    def _take_file(self, audition: Audition, match: re.Match) -> None:
        take = audition.take(int(match["take"]))
        if match["clip"]:
            index = int(match["clip"])
            self._file(audition.clip(take, index), "audio/wav", take.as_json()["clips"][index - 1]["file"])
        elif match["mel"]:
            self._file(audition.mel_picture(take, int(match["mel"])), "image/png")
        else:
            self._file(audition.archive(take), "application/zip", f"{take.name}.zip")

    # -- answers -------------------------------------------------------------------------------------
    def _host_allowed(self) -> bool:
        """On loopback, only requests that name this machine (a page of another site cannot reach the app)."""
        try:
            host = urlsplit("//" + (self.headers.get("Host") or "")).hostname or ""
        except ValueError:  # not a host name at all
            host = ""
        if self.server.local_only and host not in LOCAL_NAMES:
            self._error(HTTPStatus.FORBIDDEN, f"unexpected Host header '{host}'")
            return False
        return True

    def _send(self, body: bytes, content_type: str, status: HTTPStatus = HTTPStatus.OK,
              filename: str | None = None, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Security-Policy", POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        if filename:
            self.send_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _file(self, path: Path, content_type: str, filename: str | None = None) -> None:
        """The whole file, or the byte range asked for (media elements seek with ranges)."""
        data = path.read_bytes()
        extra = {"Accept-Ranges": "bytes"}
        match = BYTE_RANGE.match(self.headers.get("Range") or "")
        if match and data:
            first = int(match["first"])
            last = min(int(match["last"]), len(data) - 1) if match["last"] else len(data) - 1
            if first > last:
                self._send(b"", content_type, HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                           extra={"Content-Range": f"bytes */{len(data)}"})
                return
            extra["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            self._send(data[first : last + 1], content_type, HTTPStatus.PARTIAL_CONTENT, filename, extra)
            return
        self._send(data, content_type, filename=filename, extra=extra)

    def _json(self, data, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(json.dumps(data).encode("utf-8"), "application/json", status)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._json({"error": message}, status)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        logger.debug("%s %s", self.address_string(), format % args)
