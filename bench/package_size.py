"""Sizes of the built wheels: this tree beside earlier commits, built the same way.

    python bench/package_size.py --compare a2d7946 7c48ec7

Each tree (this working tree, and each ref taken with ``git archive``) is built in a fresh
temporary directory with ``python -m build --wheel``, so no ``build/`` left over from an
earlier build leaks into a wheel. A tree with a ``sandbox/`` project gets its sandbox wheel
built too. Per wheel: its size in bytes, and the compressed bytes of its description
(``METADATA``) and of the sandbox's files when the waiter's wheel still carries them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What a tree's wheel needs; older trees may lack some (docs/pypi.md, sandbox/).
PARTS = ("pyproject.toml", "README.md", "LICENSE", "src", "docs", "sandbox")


def tree_of(ref: str | None, into: Path) -> Path:
    """A copy of the working tree (``ref`` None) or of a commit, with only what builds."""
    if ref is None:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", *PARTS],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for name in listed:
            source = ROOT / name
            if source.is_file():
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read_bytes())
        return into
    present = subprocess.run(
        ["git", "ls-tree", "--name-only", ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    archive = subprocess.run(
        ["git", "archive", ref, *[p for p in PARTS if p in present]],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def build_wheel(project: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(project)],
        capture_output=True,
        check=True,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def compressed(wheel: Path, *parts: str) -> int:
    """Compressed bytes of the wheel's members whose name contains one of ``parts``."""
    with zipfile.ZipFile(wheel) as archive:
        return sum(
            i.compress_size for i in archive.infolist() if any(p in i.filename for p in parts)
        )


def measure(label: str, tree: Path, work: Path) -> list[tuple[str, str, int, int, int]]:
    rows = []
    projects = [tree] + (
        [tree / "sandbox"] if (tree / "sandbox" / "pyproject.toml").is_file() else []
    )
    for number, project in enumerate(projects):
        wheel = build_wheel(project, work / f"out{number}")
        rows.append(
            (
                label,
                wheel.name.split("-")[0],
                wheel.stat().st_size,
                compressed(wheel, "/METADATA"),
                compressed(wheel, "sandbox/", "/demo.py"),
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", nargs="*", default=[], metavar="REF", help="git refs")
    args = parser.parse_args()
    rows = []
    for ref in [*args.compare, None]:
        with tempfile.TemporaryDirectory() as tmp:
            tree = tree_of(ref, Path(tmp) / "tree")
            rows += measure(ref or "this tree", tree, Path(tmp))
    print("| tree | wheel | bytes | description (compressed) | sandbox and demo (compressed) |")
    print("| --- | --- | --- | --- | --- |")
    for label, name, size, description, sandbox in rows:
        print(f"| {label} | {name} | {size:,} | {description:,} | {sandbox:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
