#!/usr/bin/env python3
"""Release tooling: one version everywhere, the release commit, the package and the image.

The version lives in one place, ``src/testerarmy_wait/__init__.py``; the sandbox package
(``sandbox/``) always carries the same version, and each package pins the other to it. A ref
is in one of two states, and ``check`` proves every file agrees with it:

- development (``X.Y.Z.devN``, the normal state of ``main``): ``action.yml`` builds the
  ``Dockerfile``, so a job pinned to any such commit runs exactly that commit's code; the GitLab
  component defaults to the ``edge`` image; ``CHANGELOG.md`` collects changes under
  ``[Unreleased]``.
- release (``X.Y.Z``, the commit a ``vX.Y.Z`` tag points at): ``action.yml`` runs
  ``docker://<image-repo>:X.Y.Z``, the image built from that very commit; the component defaults
  to ``<image-repo>:X.Y.Z``; the changelog's newest section is ``[X.Y.Z] - <date>``.

Commands (each exits non-zero with one line per problem):

  release.py check [--tag vX.Y.Z] [--image-repo REPO] [--state release|development]
  release.py prepare X.Y.Z [--image-repo REPO] [--date YYYY-MM-DD]   # write the release commit
  release.py develop X.Y.Z                                            # back to X.Y.Z.dev0
  release.py notes X.Y.Z                                              # the changelog section
  release.py package [--out dist]     # sdists + wheels of the waiter and the sandbox, twine check
  release.py image --image-repo REPO [--base-image IMG] [--platform P[,P]] [--push]
                   [--attest] [--tag TAG] [--github-output]
  release.py publish --image-repo REPO [--base-image IMG] [--out dist]
      # every step that runs anywhere, in order: check, package, image --push, verify the
      # pushed image answers --version with the release's version

Only the standard library is used, so the release workflow runs it with a bare Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
VERSION_FILE: Final = "src/testerarmy_wait/__init__.py"
ACTION_FILE: Final = "action.yml"
COMPONENT_FILE: Final = "templates/testerarmy-wait.yml"
CHANGELOG_FILE: Final = "CHANGELOG.md"
PYPROJECT_FILE: Final = "pyproject.toml"
SANDBOX_DIR: Final = "sandbox"
SANDBOX_VERSION_FILE: Final = "sandbox/src/testerarmy_wait_sandbox/__init__.py"
SANDBOX_PYPROJECT_FILE: Final = "sandbox/pyproject.toml"
TRACKED_FILES: Final = (
    VERSION_FILE,
    ACTION_FILE,
    COMPONENT_FILE,
    CHANGELOG_FILE,
    PYPROJECT_FILE,
    SANDBOX_VERSION_FILE,
    SANDBOX_PYPROJECT_FILE,
)
# Where each package pins the other: (file, the distribution pinned there).
PINS: Final = (
    (PYPROJECT_FILE, "testerarmy-wait-sandbox"),
    (SANDBOX_PYPROJECT_FILE, "testerarmy-wait"),
)
DISTRIBUTIONS: Final = ("testerarmy_wait", "testerarmy_wait_sandbox")
IMAGE_NAME: Final = "testerarmy-wait"
EDGE_TAG: Final = "edge"
SOURCE_URL: Final = "https://github.com/testerarmy-wait/testerarmy-wait"
DEFAULT_IMAGE_REPO: Final = "ghcr.io/testerarmy-wait/testerarmy-wait"

_VERSION_RE: Final = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\.dev(0|[1-9]\d*))?$")
_VERSION_LINE_RE: Final = re.compile(r'^__version__ = "([^"]*)"$', re.MULTILINE)
_ACTION_IMAGE_RE: Final = re.compile(r"^(runs:\n(?:  .*\n)*?  image: )(.*)$", re.MULTILINE)
_COMPONENT_IMAGE_RE: Final = re.compile(
    r"^(    image:\n(?:      (?!default:).*\n)*?      default: )(.*)$", re.MULTILINE
)
_SECTION_RE: Final = re.compile(
    r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?[ \t]*$", re.MULTILINE
)
_LINK_RE: Final = re.compile(r"^\[(?P<name>[^\]]+)\]: (?P<url>\S+)$", re.MULTILINE)
_IMAGE_REPO_RE: Final = re.compile(
    r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$"
)


class ReleaseError(Exception):
    """A release step cannot go on; the message says what to fix."""


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    dev: int | None = None

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _VERSION_RE.match(text.strip())
        if match is None:
            raise ReleaseError(f"{text!r} is not a version like 1.2.3 or 1.3.0.dev0")
        major, minor, patch, dev = match.groups()
        return cls(int(major), int(minor), int(patch), None if dev is None else int(dev))

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.patch}"
        return base if self.dev is None else f"{base}.dev{self.dev}"

    @property
    def is_release(self) -> bool:
        return self.dev is None

    @property
    def release(self) -> Version:
        """``X.Y.Z`` without the development suffix."""
        return Version(self.major, self.minor, self.patch)

    @property
    def tag(self) -> str:
        return f"v{self}"


def moving_tags(version: Version, released: Iterable[Version]) -> tuple[str, ...]:
    """``X.Y`` and ``X``, each only when ``version`` is the newest release of that line (a
    patch to an older line must not move ``X`` back)."""
    others = [v for v in released if v.is_release and v != version]
    tags = []
    if not any(
        (v.major, v.minor) == (version.major, version.minor) and v > version for v in others
    ):
        tags.append(f"{version.major}.{version.minor}")
    if not any(v.major == version.major and v > version for v in others):
        tags.append(str(version.major))
    return tuple(tags)


def image_tags(version: Version, released: Iterable[Version]) -> tuple[str, ...]:
    """The image tags of a release: ``X.Y.Z``, and ``X.Y`` and ``X`` where they move."""
    return (str(version), *moving_tags(version, released))


def git_release_versions(root: Path) -> list[Version]:
    """The versions of the ``vX.Y.Z`` tags in the repository."""
    listed = subprocess.run(
        ["git", "tag", "--list", "v*"], cwd=root, capture_output=True, text=True, check=False
    )
    found = []
    for tag in listed.stdout.split():
        if _VERSION_RE.match(tag[1:]) and ".dev" not in tag:
            found.append(Version.parse(tag[1:]))
    return found


# ------------------------------------------------------------------------ reading the files


def read_files(root: Path) -> dict[str, str]:
    missing = [name for name in TRACKED_FILES if not (root / name).is_file()]
    if missing:
        raise ReleaseError(f"missing in {root}: {', '.join(missing)}")
    return {name: (root / name).read_text(encoding="utf-8") for name in TRACKED_FILES}


def write_files(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


def pinned_versions(text: str, distribution: str) -> list[str]:
    """The versions ``"distribution==X"`` pins in a pyproject's text."""
    return re.findall(rf'"{re.escape(distribution)}==([^"\s;]*)"', text)


def package_version(init_text: str) -> str:
    found = _VERSION_LINE_RE.findall(init_text)
    if len(found) != 1:
        raise ReleaseError(f'{VERSION_FILE}: expected one line __version__ = "..."')
    return str(found[0])


def action_image(action_text: str) -> str:
    match = _ACTION_IMAGE_RE.search(action_text)
    if match is None:
        raise ReleaseError(f"{ACTION_FILE}: no `image:` under `runs:`")
    return match.group(2).strip().strip("'\"")


def component_image(component_text: str) -> str:
    match = _COMPONENT_IMAGE_RE.search(component_text.split("\n---", 1)[0] + "\n")
    if match is None:
        raise ReleaseError(f"{COMPONENT_FILE}: no `default:` for the `image` input in its spec")
    return match.group(2).strip().strip("'\"")


@dataclass(frozen=True)
class Section:
    name: str
    date: str | None
    body: str


def changelog_sections(text: str) -> list[Section]:
    """The ``## [name] - date`` sections, newest first, each with its text."""
    matches = list(_SECTION_RE.finditer(text))
    sections = []
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        link = _LINK_RE.search(body)
        if link is not None:  # the link definitions at the end belong to no section
            body = body[: link.start()]
        sections.append(Section(match["name"], match["date"], body.strip()))
    return sections


def changelog_links(text: str) -> dict[str, str]:
    return {m["name"]: m["url"] for m in _LINK_RE.finditer(text)}


# ------------------------------------------------------------------------ the consistency rules


def image_repo_of(reference: str) -> tuple[str, str]:
    """``repo:tag`` (without ``docker://``) split at the tag."""
    repo, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag or not repo:
        raise ReleaseError(f"{reference!r} names no image tag")
    return repo, tag


def check_image_repo(repo: str) -> str:
    if not _IMAGE_REPO_RE.match(repo) or not repo.endswith("/" + IMAGE_NAME):
        raise ReleaseError(
            f"{repo!r} is not an image repository like ghcr.io/<owner>/{IMAGE_NAME} "
            "(lower case, ending in the image name)"
        )
    return repo


def problems(
    files: Mapping[str, str],
    *,
    tag: str | None = None,
    image_repo: str | None = None,
    state: str | None = None,
) -> list[str]:
    """Every way the files disagree about the version (empty: they agree)."""
    out: list[str] = []
    try:
        version = Version.parse(package_version(files[VERSION_FILE]))
    except ReleaseError as error:
        return [str(error)]
    actual_state = "release" if version.is_release else "development"
    if state is not None and state != actual_state:
        out.append(f"{VERSION_FILE}: version {version} is a {actual_state} version, not {state}")
    if tag is not None and tag != version.tag:
        out.append(f"tag {tag} does not name version {version} (expected {version.tag})")

    pyproject = files[PYPROJECT_FILE]
    if not re.search(r'^dynamic = \["version"\]$', pyproject, re.MULTILINE) or not re.search(
        r'^version = \{ attr = "testerarmy_wait.__version__" \}$', pyproject, re.MULTILINE
    ):
        out.append(f"{PYPROJECT_FILE}: the version must come from testerarmy_wait.__version__")
    out += _sandbox_problems(files, version)

    try:
        action = action_image(files[ACTION_FILE])
        component = component_image(files[COMPONENT_FILE])
    except ReleaseError as error:
        return [*out, str(error)]
    try:
        component_repo, component_tag = image_repo_of(component)
        check_image_repo(component_repo)
    except ReleaseError as error:
        out.append(f"{COMPONENT_FILE}: default image: {error}")
        component_repo, component_tag = "", ""
    if image_repo is not None and component_repo and component_repo != image_repo:
        out.append(f"{COMPONENT_FILE}: default image is in {component_repo}, not {image_repo}")

    sections = changelog_sections(files[CHANGELOG_FILE])
    released = [s for s in sections if s.name != "Unreleased"]
    if version.is_release:
        expected_action = f"docker://{component_repo or image_repo}:{version}"
        if action != expected_action:
            out.append(f"{ACTION_FILE}: runs image {action!r}, expected {expected_action!r}")
        if component_tag and component_tag != str(version):
            out.append(f"{COMPONENT_FILE}: default image tag {component_tag}, expected {version}")
        if not released or released[0].name != str(version):
            newest = released[0].name if released else "none"
            out.append(
                f"{CHANGELOG_FILE}: the newest released section is {newest}, expected {version}"
            )
        elif released[0].date is None:
            out.append(f"{CHANGELOG_FILE}: the section of {version} has no date")
        elif not released[0].body:
            out.append(f"{CHANGELOG_FILE}: the section of {version} is empty")
    else:
        if action != "Dockerfile":
            out.append(
                f"{ACTION_FILE}: a development version must build the Dockerfile "
                f"(image: Dockerfile), not run {action!r}"
            )
        if component_tag and component_tag != EDGE_TAG:
            out.append(
                f"{COMPONENT_FILE}: a development version defaults to the {EDGE_TAG} image, "
                f"not {component_tag}"
            )
        if not sections or sections[0].name != "Unreleased":
            out.append(f"{CHANGELOG_FILE}: a development version needs [Unreleased] on top")
        if any(Version.parse(s.name) >= version.release for s in released if _is_version(s.name)):
            out.append(
                f"{CHANGELOG_FILE}: {version.release} is already released; "
                "a development version must be newer"
            )
    for section in released:
        if not _is_version(section.name) or Version.parse(section.name).dev is not None:
            out.append(f"{CHANGELOG_FILE}: section [{section.name}] is not a release version")
    versions = [Version.parse(s.name) for s in released if _is_version(s.name)]
    if versions != sorted(versions, reverse=True):
        out.append(f"{CHANGELOG_FILE}: sections are not newest first")
    return out


def _sandbox_problems(files: Mapping[str, str], version: Version) -> list[str]:
    """The sandbox package must carry the waiter's version, and each pin the other to it."""
    out: list[str] = []
    try:
        sandbox = package_version(files[SANDBOX_VERSION_FILE])
    except ReleaseError:
        sandbox = "none"
    if sandbox != str(version):
        out.append(f"{SANDBOX_VERSION_FILE}: version {sandbox}, expected {version}")
    if not re.search(
        r'^version = \{ attr = "testerarmy_wait_sandbox.__version__" \}$',
        files[SANDBOX_PYPROJECT_FILE],
        re.MULTILINE,
    ):
        out.append(
            f"{SANDBOX_PYPROJECT_FILE}: the version must come from "
            "testerarmy_wait_sandbox.__version__"
        )
    for name, distribution in PINS:
        pins = pinned_versions(files[name], distribution)
        if pins != [str(version)]:
            out.append(f"{name}: pins {distribution} to {pins or 'nothing'}, expected =={version}")
    return out


def _is_version(text: str) -> bool:
    return _VERSION_RE.match(text) is not None


# ------------------------------------------------------------------------ rewriting the files


def _set_version(init_text: str, version: Version) -> str:
    return _VERSION_LINE_RE.sub(f'__version__ = "{version}"', init_text, count=1)


def _set_versions(files: Mapping[str, str], version: Version) -> dict[str, str]:
    """Both packages' versions and their pins on each other set to ``version``."""
    out = {
        **files,
        VERSION_FILE: _set_version(files[VERSION_FILE], version),
        SANDBOX_VERSION_FILE: _set_version(files[SANDBOX_VERSION_FILE], version),
    }
    for name, distribution in PINS:
        out[name] = re.sub(
            rf'("{re.escape(distribution)}==)[^"\s;]*"', rf'\g<1>{version}"', out[name]
        )
    return out


def _set_action_image(action_text: str, image: str) -> str:
    return _ACTION_IMAGE_RE.sub(lambda m: m.group(1) + image, action_text, count=1)


def _set_component_image(component_text: str, image: str) -> str:
    spec, sep, jobs = component_text.partition("\n---")
    spec = _COMPONENT_IMAGE_RE.sub(lambda m: m.group(1) + image, spec + "\n", count=1)[:-1]
    return spec + sep + jobs


def _release_changelog(text: str, version: Version, date: str, source_url: str) -> str:
    sections = changelog_sections(text)
    if not sections or sections[0].name != "Unreleased":
        raise ReleaseError(f"{CHANGELOG_FILE}: no [Unreleased] section on top to release")
    if not sections[0].body:
        raise ReleaseError(f"{CHANGELOG_FILE}: [Unreleased] is empty: nothing to release")
    previous = next((s.name for s in sections[1:] if _is_version(s.name)), None)
    heading = _SECTION_RE.search(text)
    assert heading is not None
    text = (
        text[: heading.start()]
        + f"## [Unreleased]\n\n## [{version}] - {date}"
        + text[heading.end() :]
    )
    links = changelog_links(text)
    links["Unreleased"] = f"{source_url}/compare/{version.tag}...HEAD"
    links[str(version)] = (
        f"{source_url}/compare/v{previous}...{version.tag}"
        if previous
        else f"{source_url}/releases/tag/{version.tag}"
    )
    return _with_links(text, links)


def _with_links(text: str, links: Mapping[str, str]) -> str:
    body = _LINK_RE.sub("", text).rstrip() + "\n"
    versions = sorted(
        (n for n in links if n != "Unreleased" and _is_version(n)), key=Version.parse, reverse=True
    )
    order = ["Unreleased", *versions]
    lines = [f"[{name}]: {links[name]}" for name in order if name in links]
    return body + "\n" + "\n".join(lines) + "\n"


def prepare(
    files: Mapping[str, str], version: Version, *, image_repo: str, date: str
) -> dict[str, str]:
    """The files of the release commit for ``version``."""
    if not version.is_release:
        raise ReleaseError(f"{version} is a development version; release X.Y.Z")
    current = Version.parse(package_version(files[VERSION_FILE]))
    if current.is_release or current.release != version:
        raise ReleaseError(
            f"the files are at {current}; `prepare {version}` needs {version}.devN "
            f"(run `develop {version}` first)"
        )
    check_image_repo(image_repo)
    return {
        **_set_versions(files, version),
        ACTION_FILE: _set_action_image(files[ACTION_FILE], f"docker://{image_repo}:{version}"),
        COMPONENT_FILE: _set_component_image(files[COMPONENT_FILE], f"{image_repo}:{version}"),
        CHANGELOG_FILE: _release_changelog(files[CHANGELOG_FILE], version, date, SOURCE_URL),
    }


def develop(files: Mapping[str, str], version: Version) -> dict[str, str]:
    """The files that start development of ``version`` (``X.Y.Z.dev0`` unless given a
    ``.devN`` itself): the Dockerfile-built action, the edge image, an ``[Unreleased]`` section."""
    target = version if version.dev is not None else Version(*_parts(version), dev=0)
    released = [
        Version.parse(s.name)
        for s in changelog_sections(files[CHANGELOG_FILE])
        if _is_version(s.name)
    ]
    if released and target.release <= max(released):
        raise ReleaseError(f"{target.release} is not newer than the released {max(released)}")
    component_repo, _tag = image_repo_of(component_image(files[COMPONENT_FILE]))
    changelog = files[CHANGELOG_FILE]
    sections = changelog_sections(changelog)
    if not sections or sections[0].name != "Unreleased":
        first = _SECTION_RE.search(changelog)
        where = first.start() if first else len(changelog)
        changelog = changelog[:where] + "## [Unreleased]\n\n" + changelog[where:]
    return {
        **_set_versions(files, target),
        ACTION_FILE: _set_action_image(files[ACTION_FILE], "Dockerfile"),
        COMPONENT_FILE: _set_component_image(files[COMPONENT_FILE], f"{component_repo}:{EDGE_TAG}"),
        CHANGELOG_FILE: changelog,
    }


def _parts(version: Version) -> tuple[int, int, int]:
    return version.major, version.minor, version.patch


def release_notes(changelog: str, version: Version) -> str:
    for section in changelog_sections(changelog):
        if section.name == str(version):
            if not section.body:
                break
            return section.body + "\n"
    raise ReleaseError(f"{CHANGELOG_FILE}: no notes for {version}")


# ------------------------------------------------------------------------ running tools


def _run(args: Sequence[str], *, cwd: Path = ROOT, capture: bool = False) -> str:
    print("+ " + " ".join(args), file=sys.stderr, flush=True)
    completed = subprocess.run(list(args), cwd=cwd, check=False, text=True, capture_output=capture)
    if completed.returncode != 0:
        detail = f":\n{completed.stderr.strip()[-2000:]}" if capture else ""
        raise ReleaseError(f"`{' '.join(args[:3])} ...` exited {completed.returncode}{detail}")
    return completed.stdout if capture else ""


def git_revision(root: Path) -> str:
    if shutil.which("git") is None:
        return "unknown"
    completed = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
    )
    return completed.stdout.strip() if completed.returncode == 0 else "unknown"


def build_package(root: Path, out: Path) -> list[Path]:
    """The sdist and wheel of the waiter and of the sandbox into ``out``, checked by
    ``twine check --strict``; returns the four."""
    version = package_version((root / VERSION_FILE).read_text("utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    for name in DISTRIBUTIONS:
        for old in out.glob(f"{name}-*"):
            old.unlink()
    for project in (root, root / SANDBOX_DIR):
        # setuptools packs whatever an earlier build left in build/lib, removed modules too
        shutil.rmtree(project / "build", ignore_errors=True)
        _run(
            [
                sys.executable,
                "-m",
                "build",
                "--sdist",
                "--wheel",
                "--outdir",
                str(out),
                str(project),
            ]
        )
    built = sorted(p for name in DISTRIBUTIONS for p in out.glob(f"{name}-*"))
    expected = {
        file
        for name in DISTRIBUTIONS
        for file in (f"{name}-{version}.tar.gz", f"{name}-{version}-py3-none-any.whl")
    }
    if {p.name for p in built} != expected:
        raise ReleaseError(f"built {[p.name for p in built]}, expected {sorted(expected)}")
    _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, built)])
    return built


@dataclass(frozen=True)
class BuiltImage:
    references: tuple[str, ...]
    digest: str | None  # sha256:... of what was pushed (None when not pushed)


def build_image(
    root: Path,
    *,
    image_repo: str,
    tags: Sequence[str],
    base_image: str | None,
    platforms: Sequence[str],
    push: bool,
    attest: bool,
) -> BuiltImage:
    """Build (and push) the image. One native platform: the classic ``docker build``; several:
    ``docker buildx build`` (which pushes as it builds, with SBOM and provenance when asked)."""
    version = Version.parse(package_version((root / VERSION_FILE).read_text("utf-8")))
    revision = git_revision(root)
    references = tuple(f"{image_repo}:{tag}" for tag in tags)
    build_args = {"VERSION": str(version), "REVISION": revision, "SOURCE": SOURCE_URL}
    if base_image:
        build_args["BASE_IMAGE"] = base_image
    common: list[str] = []
    for key, value in build_args.items():
        common += ["--build-arg", f"{key}={value}"]
    for reference in references:
        common += ["--tag", reference]
    if len(platforms) > 1 or attest:
        if not push:
            raise ReleaseError("a multi-platform or attested build must be pushed (--push)")
        with tempfile.TemporaryDirectory() as work:
            metadata = Path(work) / "metadata.json"
            args = ["docker", "buildx", "build", "--platform", ",".join(platforms), *common]
            if attest:
                args += ["--sbom=true", "--provenance=mode=max"]
            args += ["--push", "--metadata-file", str(metadata), str(root)]
            _run(args)
            digest = json.loads(metadata.read_text("utf-8")).get("containerimage.digest")
        return BuiltImage(references, digest)
    args = ["docker", "build", "--network", "host", *common]
    if platforms:
        args += ["--platform", platforms[0]]
    _run([*args, str(root)])
    if not push:
        return BuiltImage(references, None)
    for reference in references:
        _run(["docker", "push", reference])
    repo_digests = _run(
        ["docker", "image", "inspect", "--format", "{{json .RepoDigests}}", references[0]],
        capture=True,
    )
    prefix = image_repo + "@"
    digests = [d for d in json.loads(repo_digests) if d.startswith(prefix)]
    return BuiltImage(references, digests[0][len(prefix) :] if digests else None)


def verify_image(reference: str, version: Version) -> None:
    """The pushed image, pulled back by reference, answers ``--version`` with ``version``."""
    _run(["docker", "image", "rm", reference], capture=True)
    _run(["docker", "pull", reference], capture=True)
    said = _run(["docker", "run", "--rm", reference, "--version"], capture=True).strip()
    if said != f"testerarmy-wait {version}":
        raise ReleaseError(f"{reference} says {said!r}, expected 'testerarmy-wait {version}'")


def write_github_output(values: Mapping[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        raise ReleaseError("--github-output: GITHUB_OUTPUT is not set")
    with open(target, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            handle.write(f"{key}={value}\n")


# ------------------------------------------------------------------------ the command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="release.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="prove every file agrees about the version")
    check.add_argument("--tag", help="the git tag being released (vX.Y.Z)")
    check.add_argument("--image-repo", help="the image repository releases must point at")
    check.add_argument("--state", choices=("release", "development"))

    prep = sub.add_parser("prepare", help="rewrite the files into the release commit")
    prep.add_argument("version")
    prep.add_argument("--image-repo", default=DEFAULT_IMAGE_REPO)
    prep.add_argument("--date", default=dt.date.today().isoformat())

    dev = sub.add_parser("develop", help="rewrite the files back to development")
    dev.add_argument("version")

    notes = sub.add_parser("notes", help="print the changelog section of a version")
    notes.add_argument("version")

    tags = sub.add_parser("moving-tags", help="print the git tags (vX.Y, vX) a release moves")
    tags.add_argument("version")

    package = sub.add_parser("package", help="build and check the sdist and wheel")
    package.add_argument("--out", type=Path, default=Path("dist"))

    for name in ("image", "publish"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--image-repo", required=True)
        cmd.add_argument("--base-image", help="build on this base instead of the pinned one")
        if name == "image":
            cmd.add_argument("--platform", default="", help="comma-separated, e.g. linux/amd64")
            cmd.add_argument("--push", action="store_true")
            cmd.add_argument("--attest", action="store_true", help="SBOM and provenance")
            cmd.add_argument("--tag", action="append", help="tags (default X.Y.Z, X.Y, X)")
            cmd.add_argument("--github-output", action="store_true")
        else:
            cmd.add_argument("--out", type=Path, default=Path("dist"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root: Path = args.root
    try:
        return _dispatch(args, root)
    except ReleaseError as error:
        print(f"release.py: {error}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, root: Path) -> int:
    files = read_files(root)
    version = Version.parse(package_version(files[VERSION_FILE]))
    if args.command == "check":
        repo = check_image_repo(args.image_repo) if args.image_repo else None
        found = problems(files, tag=args.tag, image_repo=repo, state=args.state)
        for problem in found:
            print(f"release.py: {problem}", file=sys.stderr)
        if not found:
            state = "release" if version.is_release else "development"
            print(f"version {version} ({state}): every file agrees")
        return 1 if found else 0
    if args.command == "prepare":
        target = Version.parse(args.version)
        write_files(root, prepare(files, target, image_repo=args.image_repo, date=args.date))
        print(f"prepared the release commit of {target}; commit it and tag it {target.tag}")
        return 0
    if args.command == "develop":
        written = develop(files, Version.parse(args.version))
        write_files(root, written)
        print(f"now at {package_version(written[VERSION_FILE])}")
        return 0
    if args.command == "notes":
        sys.stdout.write(release_notes(files[CHANGELOG_FILE], Version.parse(args.version)))
        return 0
    if args.command == "moving-tags":
        target = Version.parse(args.version)
        for tag in moving_tags(target, git_release_versions(root)):
            print(f"v{tag}")
        return 0
    if args.command == "package":
        for path in build_package(root, args.out if args.out.is_absolute() else root / args.out):
            print(path)
        return 0
    repo = check_image_repo(args.image_repo)
    if args.command == "image":
        released = git_release_versions(root)
        tags = args.tag or list(
            image_tags(version, released) if version.is_release else (str(version),)
        )
        platforms = [p for p in args.platform.split(",") if p]
        built = build_image(
            root,
            image_repo=repo,
            tags=tags,
            base_image=args.base_image,
            platforms=platforms,
            push=args.push,
            attest=args.attest,
        )
        for reference in built.references:
            print(reference)
        if built.digest:
            print(f"digest {built.digest}")
        if args.github_output:
            write_github_output(
                {"image": repo, "digest": built.digest or "", "version": str(version)}
            )
        return 0
    # publish: everything that can run anywhere, in the order the release workflow runs it
    found = problems(files, image_repo=repo, state="release")
    if found:
        raise ReleaseError("; ".join(found))
    build_package(root, args.out if args.out.is_absolute() else root / args.out)
    built = build_image(
        root,
        image_repo=repo,
        tags=image_tags(version, git_release_versions(root)),
        base_image=args.base_image,
        platforms=[],
        push=True,
        attest=False,
    )
    for reference in built.references:
        verify_image(reference, version)
    print(f"published {', '.join(built.references)} ({built.digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
