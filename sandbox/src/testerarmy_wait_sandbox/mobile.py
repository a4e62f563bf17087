"""Mobile apps in the sandbox: the presigned upload (initiate, one PUT to storage, confirm),
the list, and delete. Storage is the sandbox itself, at ``/storage/<key>?signature=...``
(outside the API's base path, as a real bucket is on another host): it keeps only the size
and a SHA-256 of what it was sent, checks the size against the ``fileSize`` declared, and
refuses an ``Authorization`` header (a presigned URL is its own credential). The confirmed
app's platform comes from the file name (``.apk``/``.aab`` android, ``.ipa``/``.zip`` ios).
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Final

JSONObject = dict[str, Any]
STORAGE_PREFIX: Final = "/storage/"
PLATFORM_BY_EXTENSION: Final = {".apk": "android", ".aab": "android", ".ipa": "ios", ".zip": "ios"}


@dataclass
class PendingUpload:
    project_id: str
    filename: str
    file_size: int
    remove_after: int | None
    signature: str
    received: int | None = None  # bytes stored by the PUT; None: nothing yet
    sha256: str | None = None


@dataclass
class MobileApps:
    """Uploads in flight and the apps of each project; thread-safe."""

    uploads: dict[str, PendingUpload] = field(default_factory=dict)
    apps: dict[str, dict[str, JSONObject]] = field(default_factory=dict)  # project -> id -> app
    expired: bool = False  # every presigned URL answers 403 (an upload that took too long)
    deleted: list[str] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # app id -> SHA-256 of its file
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def initiate(self, project_id: str, body: JSONObject, base_url: str) -> tuple[int, JSONObject]:
        filename, size = body.get("filename"), body.get("fileSize")
        if not isinstance(filename, str) or not filename or not isinstance(size, int):
            return 400, {"error": "bad_request", "message": "filename and fileSize are required"}
        if not _positive(size):
            return 400, {"error": "bad_request", "message": "filename and fileSize are required"}
        remove_after = body.get("removeAfter")
        if remove_after is not None and not (
            _positive(remove_after) and 60 <= remove_after <= 604800
        ):
            return 400, {"error": "bad_request", "message": "removeAfter must be 60-604800"}
        key = f"uploads/{project_id}/{secrets.token_hex(8)}/{filename}"
        signature = secrets.token_hex(16)
        with self._lock:
            self.uploads[key] = PendingUpload(project_id, filename, size, remove_after, signature)
        url = f"{base_url}{STORAGE_PREFIX}{key}?X-Signature={signature}"
        return 200, {
            "uploadUrl": url,
            "storageKey": key,
            "filename": filename,
            "fileSize": size,
            "removeAfter": remove_after,
        }

    def storage_check(self, key: str, signature: str, authorization: str | None) -> int | None:
        """The refusal status for a PUT to ``key`` before its body is read, or None."""
        if authorization:
            return 400  # a presigned URL must be sent no credential of the API's
        with self._lock:
            pending = self.uploads.get(key)
            expired = self.expired
        if pending is None or not hmac.compare_digest(pending.signature, signature):
            return 403
        return 403 if expired else None

    def stored(self, key: str, received: int, digest: str) -> int:
        """Record what the PUT delivered; the status to answer."""
        with self._lock:
            pending = self.uploads.get(key)
            if pending is None:
                return 403
            if received != pending.file_size:
                return 400
            pending.received, pending.sha256 = received, digest
        return 200

    def confirm(
        self, project_id: str, body: JSONObject, now: str, new_id: str
    ) -> tuple[int, JSONObject]:
        key = body.get("storageKey")
        if not isinstance(key, str):
            return 400, {"error": "bad_request", "message": "storageKey is required"}
        with self._lock:
            pending = self.uploads.get(key)
            if pending is None or pending.project_id != project_id:
                return 400, {"error": "bad_request", "message": "Unknown storageKey"}
            if pending.received is None:
                return 400, {"error": "bad_request", "message": "Nothing was uploaded"}
            if (
                body.get("fileSize") != pending.file_size
                or body.get("filename") != pending.filename
            ):
                return 400, {"error": "bad_request", "message": "filename/fileSize differ"}
            del self.uploads[key]
            app = _app(new_id, pending, now)
            self.digests[new_id] = pending.sha256 or ""
            self.apps.setdefault(project_id, {})[new_id] = app
        return 201, {"app": app}

    def listing(self, project_id: str) -> JSONObject:
        with self._lock:
            return {"apps": list(self.apps.get(project_id, {}).values())}

    def delete(self, project_id: str, app_id: str) -> bool:
        with self._lock:
            found = self.apps.get(project_id, {}).pop(app_id, None)
            if found is not None:
                self.deleted.append(app_id)
        return found is not None

    def has(self, app_id: str) -> bool:
        with self._lock:
            return any(app_id in apps for apps in self.apps.values())


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _app(app_id: str, pending: PendingUpload, now: str) -> JSONObject:
    suffix = "." + pending.filename.rsplit(".", 1)[-1].lower() if "." in pending.filename else ""
    platform = PLATFORM_BY_EXTENSION.get(suffix, "android")
    stem = pending.filename.rsplit(".", 1)[0].lower().replace(" ", "-") or "app"
    return {
        "id": app_id,
        "platform": platform,
        "filename": pending.filename,
        "bundleId": f"com.example.{''.join(c for c in stem if c.isalnum()) or 'app'}",
        "appVersion": "1.4.0",
        "buildVersion": "142",
        "fileSize": pending.file_size,
        "source": "api_upload",
        "expiresAt": None,
        "removeAfter": pending.remove_after,
        "createdAt": now,
    }
