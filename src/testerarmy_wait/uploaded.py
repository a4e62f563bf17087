"""A build this step uploaded, as the summary, the outputs and the JSON report tell it."""

from __future__ import annotations

from dataclasses import dataclass


def size_text(size: float) -> str:
    """``812 B``, ``12.3 MB``, ``1.1 GB`` (decimal units, as storage services count)."""
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


@dataclass(frozen=True)
class UploadedApp:
    """What was uploaded: the app tester.army made of it, and how long the upload took."""

    app_id: str
    project_id: str
    filename: str
    size: int
    platform: str | None
    bundle_id: str | None
    app_version: str | None
    build_version: str | None
    upload_s: float

    def describe(self) -> str:
        versions = "/".join(v for v in (self.app_version, self.build_version) if v)
        about = ", ".join(
            x for x in (self.platform, self.bundle_id, versions and f"version {versions}") if x
        )
        return (
            f"uploaded {self.filename} ({size_text(self.size)}) as app {self.app_id}"
            f"{f' ({about})' if about else ''} in {self.upload_s:.1f} s"
        )
