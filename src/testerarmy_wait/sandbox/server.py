"""HTTP layer: a threaded standard-library server in front of ``SandboxApi``."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import ssl
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .api import ApiRequest, Reply, SandboxApi, error
from .faults import Fault, FaultSet, apply_body_fault, gzip_bomb_bytes, rewritten
from .recording import Exchange, Recorder

log = logging.getLogger("testerarmy_wait.sandbox")

BASE_PATH = "/api"
#: Bodies over the limit but under this size are read (and dropped) before the 413,
#: so the client gets to read the answer.
READ_AND_DISCARD_BYTES = 16 * 1024 * 1024
_BODY_FAULTS = ("unknown_status", "extra_fields", "missing_fields")

HTML_ERROR_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # many clients connecting at once are queued, not refused

    def __init__(
        self,
        address: tuple[str, int],
        api: SandboxApi,
        faults: FaultSet,
        recorder: Recorder,
        max_body_bytes: int,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.faults = faults
        self.recorder = recorder
        self.max_body_bytes = max_body_bytes
        self.tls = tls
        self.stopping = threading.Event()

    def finish_request(self, request: Any, client_address: Any) -> None:
        """With TLS, the handshake happens here, in the connection's own thread, so a slow
        or broken client never holds up the others."""
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        try:
            secured = self.tls.wrap_socket(request, server_side=True)
        except OSError as exc:  # ssl.SSLError is an OSError
            log.debug("TLS handshake with %s failed: %s", client_address, exc)
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            secured.close()


class _Handler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "testerarmy-sandbox"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    # ------------------------------------------------------------------------------

    def _serve(self) -> None:
        received_at = time.time()
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        arrival = self.server.recorder.arrive(self.command, path, query, received_at)
        route = path[len(BASE_PATH) :] if path.startswith(BASE_PATH + "/") else None
        method = self.command
        auth = self.headers.get("Authorization")
        authenticated = self.server.api.is_authorized(auth)

        fault = self.server.faults.pick(method, route if route is not None else path)
        if fault is not None and fault.kind == "slow":
            self.server.stopping.wait(fault.seconds)
            fault = fault.then

        body = b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        too_big = length > self.server.max_body_bytes
        if 0 < length <= max(self.server.max_body_bytes, READ_AND_DISCARD_BYTES):
            body = self.rfile.read(length)
        elif length > 0:
            self.close_connection = True  # unread body: the connection cannot be reused
        if too_big:
            body = b""

        def record(status: int | None, payload: bytes, headers: list[tuple[str, str]]) -> None:
            self.server.recorder.complete(
                arrival,
                Exchange(
                    method=method,
                    path=path,
                    query=query,
                    status=status,
                    response_bytes=len(payload),
                    request_json=_parse(body),
                    request_body=body,
                    response_body=payload,
                    response_headers=tuple(headers),
                    content_type={k.lower(): v for k, v in headers}.get("content-type"),
                    fault=fault,
                    authenticated=authenticated,
                    received_at=received_at,
                ),
            )

        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            record(None, b"", [])
            self._hang_up()
            return
        if too_big or length < 0:
            self.close_connection = True
            reply = (
                error(413, "payload_too_large", "Request body too large")
                if too_big
                else error(400, "bad_request", "Invalid Content-Length")
            )
            self._send_json(reply, record, fault=None)
            return
        if fault is not None and fault.kind == "status":
            headers = list(fault.headers)
            if fault.retry_after_date_in is not None:
                when = time.time() + fault.retry_after_date_in
                headers.append(("Retry-After", formatdate(when, usegmt=True)))
            reply = Reply(
                fault.status_code, {"error": fault.error, "message": fault.message}, tuple(headers)
            )
            self._send_json(reply, record, fault=None)
            return
        if fault is not None and fault.kind == "body":
            self._send(fault.status_code, fault.data, fault.value, list(fault.headers), record)
            return
        if fault is not None and fault.kind == "gzip_bomb":
            bomb = gzip_bomb_bytes(fault.size)
            self._send(200, bomb, "application/json", [("Content-Encoding", "gzip")], record)
            return
        if fault is not None and fault.kind == "endless":
            self._endless(record)
            return
        if fault is not None and fault.kind == "html":
            self._send(
                fault.status_code, HTML_ERROR_PAGE.encode(), "text/html; charset=utf-8", [], record
            )
            return

        if route is None:
            reply = error(404, "not_found", f"The API lives under {BASE_PATH}/v1")
        else:
            reply = self.server.api.handle(ApiRequest(method, route, query, auth, body))
        self._send_json(reply, record, fault=fault)

    def _send_json(self, reply: Reply, record: Any, fault: Fault | None) -> None:
        payload = reply.body
        ok = 200 <= reply.status < 300
        if fault is not None and ok and fault.kind in _BODY_FAULTS:
            payload = apply_body_fault(fault, payload)
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if fault is not None and ok and fault.kind == "truncated":
            cut = data[: max(1, len(data) // 2)]
            if fault.short_read:
                self.close_connection = True
                self._send(
                    reply.status,
                    cut,
                    "application/json",
                    list(reply.headers),
                    record,
                    declared=len(data),
                )
                return
            data = cut
        if fault is not None and ok and fault.kind == "rewrite":
            data = rewritten(fault, data)
        self._send(reply.status, data, "application/json", list(reply.headers), record)

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str,
        extra: list[tuple[str, str]],
        record: Any,
        *,
        declared: int | None = None,
    ) -> None:
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(declared if declared is not None else len(data))),
            *extra,
        ]
        if self.close_connection:
            headers.append(("Connection", "close"))
        record(status, data, headers)
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        if declared is not None:
            self._hang_up()

    def _endless(self, record: Any) -> None:
        """A chunked body that never ends, until the client hangs up or the sandbox stops."""
        self.close_connection = True
        record(200, b"", [("Transfer-Encoding", "chunked")])
        chunk = b" " * 65536
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b'8\r\n{"id": "\r\n')
            while not self.server.stopping.is_set():
                self.wfile.write(frame)
        except (BrokenPipeError, ConnectionResetError, OSError):
            return

    def _hang_up(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _parse(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
