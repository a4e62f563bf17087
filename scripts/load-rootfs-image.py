#!/usr/bin/env python3
"""Load a root file system into Docker as a one-layer image of a given architecture.

    load-rootfs-image.py ROOTFS IMAGE[:TAG] ARCH      # e.g. /var/tmp/rootfs base:arm64 arm64

``docker import --platform`` needs an experimental daemon; ``docker load`` of an image archive
whose config names the architecture does not. Used by scripts/ci-setup.sh for the arm64
stand-in base image (a debootstrap tree run under qemu-user-static).
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def image_archive(rootfs: Path, image: str, arch: str, work: Path) -> Path:
    layer = work / "layer.tar"
    subprocess.run(
        ["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(layer), "."], check=True
    )
    config = json.dumps(
        {
            "architecture": arch,
            "os": "linux",
            "config": {"Env": ENV, "Cmd": ["/bin/bash"]},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{sha256_file(layer)}"]},
            "history": [{"created_by": f"root file system from {rootfs.name}"}],
        }
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": [image], "Layers": ["layer/layer.tar"]}]
    ).encode()
    archive = work / "image.tar"
    with tarfile.open(archive, "w") as out:
        out.add(layer, "layer/layer.tar")
        for name, data in ((config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return archive


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    rootfs, image, arch = Path(argv[0]), argv[1], argv[2]
    with tempfile.TemporaryDirectory(dir="/var/tmp") as work:
        archive = image_archive(rootfs, image, arch, Path(work))
        return subprocess.run(
            ["docker", "load", "--quiet", "-i", str(archive)], check=False
        ).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
