"""HTTP layer: a threaded standard-library server in front of ``SandboxApi``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import socket
import ssl
import threading
import time
from dataclasses import replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .api import ApiRequest, Reply, SandboxApi, error
from .faults import Fault, FaultSet, apply_body_fault, gzip_bomb_bytes, rewritten
from .mobile import STORAGE_PREFIX
from .recording import Exchange, Recorder

log = logging.getLogger("testerarmy_wait_sandbox")

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
    _arrival: int  # the place in the recorder of the request being served
    _asked: Exchange  # that request, to be completed with its answer

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
        path, method = parts.path, self.command
        query = parse_qs(parts.query, keep_blank_values=True)
        self._arrival = self.server.recorder.arrive(method, path, query, received_at)
        route = path[len(BASE_PATH) :] if path.startswith(BASE_PATH + "/") else None
        auth = self.headers.get("Authorization")
        authenticated = self.server.api.is_authorized(auth)
        fault = self._pick_fault(method, route if route is not None else path)
        if path.startswith(STORAGE_PREFIX):  # a presigned upload: another host, in truth
            self._store_upload(method, path, query, fault, received_at)
            return
        body, length = self._read_body()
        self._asked = Exchange(
            method,
            path,
            query,
            request_json=_parse(body),
            request_body=body,
            fault=fault,
            authenticated=authenticated,
            received_at=received_at,
        )
        if self._refuse(fault, length) or self._answer_fault(fault):
            return
        if route is None:
            reply = error(404, "not_found", f"The API lives under {BASE_PATH}/v1")
        else:
            request = ApiRequest(method, route, query, auth, body, self._base_url())
            reply = self.server.api.handle(request)
        self._send_json(reply, fault=fault)

    def _base_url(self) -> str:
        host, port = self.server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown_host = f"[{name}]" if ":" in name else name
        return f"{'https' if self.server.tls else 'http'}://{shown_host}:{port}"

    def _store_upload(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        fault: Fault | None,
        received_at: float,
    ) -> None:
        """The storage side of a presigned upload: the body is streamed into a size and a
        hash, never kept; an ``Authorization`` header, a bad signature, an expired URL or a
        size other than the one declared is refused."""
        self._asked = Exchange(method, path, query, fault=fault, received_at=received_at)
        mobile = self.server.api.mobile
        if method != "PUT":
            self._send_json(error(405, "method_not_allowed", "Use PUT"), fault=None)
            return
        key = path[len(STORAGE_PREFIX) :]
        signature = (query.get("X-Signature") or [""])[0]
        refused = mobile.storage_check(key, signature, self.headers.get("Authorization"))
        if refused is not None:
            self.close_connection = True  # the body is left unread
            why = "AuthorizationNotAllowed" if refused == 400 else "AccessDenied"
            self._send_json(error(refused, why, "The upload was refused"), fault=None)
            return
        try:
            length = int(self.headers.get("Content-Length") or -1)
        except ValueError:
            length = -1
        digest, received = hashlib.sha256(), 0
        while 0 <= received < length:
            chunk = self.rfile.read(min(1 << 20, length - received))
            if not chunk:
                break
            digest.update(chunk)
            received += len(chunk)
        if self._answer_fault(fault):
            return
        status = mobile.stored(key, received, digest.hexdigest())
        reply = Reply(status, {} if status == 200 else {"error": "BadDigest", "message": "size"})
        self._send_json(reply, fault=None)

    def _pick_fault(self, method: str, path: str) -> Fault | None:
        """The fault for this request; a ``slow`` one is waited out here."""
        fault = self.server.faults.pick(method, path)
        if fault is not None and fault.kind == "slow":
            self.server.stopping.wait(fault.seconds)
            fault = fault.then
        return fault

    def _read_body(self) -> tuple[bytes, int]:
        """The body (empty when too big) and its Content-Length (-1 when invalid)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        body = b""
        if 0 < length <= max(self.server.max_body_bytes, READ_AND_DISCARD_BYTES):
            body = self.rfile.read(length)
        elif length > 0:
            self.close_connection = True  # unread body: the connection cannot be reused
        return (b"" if length > self.server.max_body_bytes else body), length

    def _record(self, status: int | None, data: bytes, headers: list[tuple[str, str]]) -> None:
        """Complete the record of the request with its answer (status None: none)."""
        answered = replace(
            self._asked,
            status=status,
            response_bytes=len(data),
            response_body=data,
            response_headers=tuple(headers),
            content_type={k.lower(): v for k, v in headers}.get("content-type"),
        )
        self.server.recorder.complete(self._arrival, answered)

    def _refuse(self, fault: Fault | None, length: int) -> bool:
        """Hang up on a ``drop`` fault or answer a bad body length; True if done."""
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            self._record(None, b"", [])
            self._hang_up()
            return True
        too_big = length > self.server.max_body_bytes
        if too_big or length < 0:
            self.close_connection = True
            reply = (
                error(413, "payload_too_large", "Request body too large")
                if too_big
                else error(400, "bad_request", "Invalid Content-Length")
            )
            self._send_json(reply, fault=None)
            return True
        return False

    def _answer_fault(self, fault: Fault | None) -> bool:
        """Answer with a fault that stands in for the API; True if there is one."""
        if fault is None:
            return False
        if fault.kind == "status":
            headers = list(fault.headers)
            if fault.retry_after_date_in is not None:
                when = time.time() + fault.retry_after_date_in
                headers.append(("Retry-After", formatdate(when, usegmt=True)))
            reply = Reply(
                fault.status_code, {"error": fault.error, "message": fault.message}, tuple(headers)
            )
            self._send_json(reply, fault=None)
        elif fault.kind == "body":
            self._send(fault.status_code, fault.data, fault.value, list(fault.headers))
        elif fault.kind == "gzip_bomb":
            bomb = gzip_bomb_bytes(fault.size)
            self._send(200, bomb, "application/json", [("Content-Encoding", "gzip")])
        elif fault.kind == "endless":
            self._endless()
        elif fault.kind == "html":
            page = HTML_ERROR_PAGE.encode()
            self._send(fault.status_code, page, "text/html; charset=utf-8", [])
        else:
            return False
        return True

    def _send_json(self, reply: Reply, fault: Fault | None) -> None:
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
                    reply.status, cut, "application/json", list(reply.headers), declared=len(data)
                )
                return
            data = cut
        if fault is not None and ok and fault.kind == "rewrite":
            data = rewritten(fault, data)
        self._send(reply.status, data, "application/json", list(reply.headers))

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str,
        extra: list[tuple[str, str]],
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
        self._record(status, data, headers)
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

    def _endless(self) -> None:
        """A chunked body that never ends, until the client hangs up or the sandbox stops."""
        self.close_connection = True
        self._record(200, b"", [("Transfer-Encoding", "chunked")])
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
