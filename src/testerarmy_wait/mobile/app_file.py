"""The build to upload, judged before any request: an ``.apk``, ``.aab``, ``.ipa`` or ``.zip``
file, or an iOS simulator ``.app`` directory (zipped on the fly); never empty, never over
4 GiB. A directory that is not an ``.app``, an unknown extension or a missing path is a usage
error naming ``app-path``."""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from testerarmy_wait.parsers import fail, shown

FILE_KINDS: Final = {".apk": "android", ".aab": "android", ".ipa": "ios", ".zip": "ios"}
MAX_APP_BYTES: Final = 4 * 1024**3
CHUNK: Final = 1024 * 1024
#: Every entry gets this time: the same directory zips to the same bytes.
ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class AppFile:
    """A build on disk: a file to send as it is, or an ``.app`` directory to zip first."""

    path: Path
    filename: str  # as uploaded: the file's name, or ``<name>.app.zip``
    directory: bool
    size: int  # bytes of the file; 0 for a directory until it is zipped


def judge_app_path(raw: str, name: str = "app-path") -> AppFile:
    """The build ``raw`` names, or a ``UsageError`` saying what is wrong with it."""
    path = Path(raw.strip())
    try:
        info = path.stat()
    except OSError:
        fail(name, f"{shown(str(path))} does not exist")
    if stat.S_ISDIR(info.st_mode):
        if path.suffix.lower() != ".app":
            fail(name, f"{shown(str(path))} is a directory but not an .app bundle")
        return AppFile(path, f"{path.name}.zip", True, 0)
    suffix = path.suffix.lower()
    if suffix not in FILE_KINDS:
        fail(name, f"{shown(path.name)} is not an .apk, .aab, .ipa, .zip or .app build")
    if info.st_size == 0:
        fail(name, f"{shown(str(path))} is empty")
    if info.st_size > MAX_APP_BYTES:
        fail(name, f"{shown(str(path))} is larger than 4 GiB")
    return AppFile(path, path.name, False, info.st_size)


def _entries(root: Path) -> Iterator[Path]:
    """Everything under ``root``, in a fixed order, links not followed."""
    for directory, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        here = Path(directory)
        yield here
        for name in sorted(files):
            yield here / name
        for name in dirs:  # links to directories are listed in dirs but not walked
            if (here / name).is_symlink():
                yield here / name


def _info(entry: Path, arcname: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=ZIP_TIME)
    info.external_attr = (mode & 0xFFFF) << 16
    info.create_system = 3  # unix: the mode bits mean what they say
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_app_zip(bundle: Path, out: Path) -> int:
    """Zip ``bundle`` (an ``.app``) into ``out`` with the bundle itself at the archive's
    root, streamed in chunks; symbolic links are stored as links (never followed). The
    archive's size."""
    with zipfile.ZipFile(out, "w", compresslevel=6) as archive:
        for entry in _entries(bundle):
            relative = entry.relative_to(bundle.parent).as_posix()
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                archive.writestr(_info(entry, relative, mode), os.readlink(entry))
            elif stat.S_ISDIR(mode):
                info = _info(entry, relative + "/", mode)
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, b"")
            elif stat.S_ISREG(mode):
                with (
                    entry.open("rb") as source,
                    archive.open(_info(entry, relative, mode), "w", force_zip64=True) as sink,
                ):
                    while chunk := source.read(CHUNK):
                        sink.write(chunk)
    size = out.stat().st_size
    if size > MAX_APP_BYTES:
        fail("app-path", f"{shown(str(bundle))} zips to more than 4 GiB")
    return size


@contextmanager
def upload_file(app: AppFile, temp_dir: str | None = None) -> Iterator[AppFile]:
    """The file to upload: the build itself, or the ``.app`` zipped into ``temp_dir`` (the
    runner's temporary directory) and removed afterwards."""
    if not app.directory:
        yield app
        return
    handle, name = tempfile.mkstemp(prefix="testerarmy-app-", suffix=".zip", dir=temp_dir)
    os.close(handle)
    zipped = Path(name)
    try:
        size = write_app_zip(app.path, zipped)
        yield AppFile(zipped, app.filename, False, size)
    finally:
        zipped.unlink(missing_ok=True)


@dataclass(frozen=True)
class MobileBuild:
    """The app under test: a build this step uploads (and deletes afterwards when
    ``delete``), or an app uploaded before (``app_id``; never deleted)."""

    project_id: str | None
    app: AppFile | None = None
    app_id: str | None = None
    remove_after: int | None = None
    delete: bool = False
    temp_dir: str | None = None  # where an .app directory is zipped
    #: Without project_id: the test or group (kind, id) whose project the build goes to.
    owner: tuple[str, str] | None = None
