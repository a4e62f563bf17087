"""The PyPI packages: ``scripts/release.py package`` builds the sdists and wheels of the waiter
and of its sandbox, all passing ``twine check --strict``; the waiter's wheel, installed into a
fresh virtualenv (its dependencies from the hash-locked ``requirements.lock``), runs, waits
for a sandbox's run without the sandbox installed, asks for the sandbox when told to run the
demo, and with the sandbox's wheel added runs ``testerarmy-wait demo``. Needs PyPI for the
dependencies (marked ``package``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import testerarmy_wait
from testerarmy_wait_sandbox import Sandbox
from tests.release.release_script import ROOT, SCRIPT

pytestmark = pytest.mark.package


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, str(SCRIPT), "package", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    assert "PASSED" in built.stdout + built.stderr  # twine check --strict ran
    return out


def wheel_of(dist: Path, name: str) -> tuple[list[str], str]:
    """The files in the wheel of distribution ``name`` (whose sdist was built too) and its
    METADATA."""
    version = testerarmy_wait.__version__
    assert (dist / f"{name}-{version}.tar.gz").is_file()
    with zipfile.ZipFile(dist / f"{name}-{version}-py3-none-any.whl") as archive:
        return archive.namelist(), archive.read(f"{name}-{version}.dist-info/METADATA").decode()


def test_sdist_and_wheel_carry_the_version_the_license_and_the_typed_marker(dist: Path) -> None:
    version = testerarmy_wait.__version__
    names, metadata = wheel_of(dist, "testerarmy_wait")
    assert "testerarmy_wait/py.typed" in names
    assert "testerarmy_wait/baseline/baseline.schema.json" in names  # editors validate with it
    assert "testerarmy_wait/report/results.schema.json" in names  # consumers of the JSON too
    assert f"testerarmy_wait-{version}.dist-info/licenses/LICENSE" in names
    assert f"\nVersion: {version}\n" in metadata
    assert "\nLicense-Expression: MIT\n" in metadata
    assert re.search(r"^Requires-Dist: httpx", metadata, re.MULTILINE)
    # the sandbox and the demo are a package of their own, offered as an extra
    assert not [n for n in names if "sandbox" in n or n.endswith("demo.py")]
    assert f'\nRequires-Dist: testerarmy-wait-sandbox=={version}; extra == "sandbox"\n' in metadata
    assert "\nDescription-Content-Type: text/markdown\n" in metadata
    assert "github.com/testerarmy-wait/testerarmy-wait#readme" in metadata  # the guide


def test_the_sandbox_package_carries_its_data_and_needs_the_same_waiter(dist: Path) -> None:
    version = testerarmy_wait.__version__
    names, metadata = wheel_of(dist, "testerarmy_wait_sandbox")
    for name in ("data/builtin.json", "demo.py", "faults.py", "py.typed", "__main__.py"):
        assert f"testerarmy_wait_sandbox/{name}" in names
    assert not [n for n in names if n.startswith("testerarmy_wait/")]
    assert f"\nRequires-Dist: testerarmy-wait=={version}\n" in metadata
    assert f"\nVersion: {version}\n" in metadata
    assert "\nLicense-Expression: MIT\n" in metadata


def test_the_wheel_in_a_fresh_venv_runs_the_demo(
    dist: Path, tmp_path: Path, sandbox_factory: Callable[..., Sandbox]
) -> None:
    version = testerarmy_wait.__version__
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TESTERARMY_", "INPUT_"))}
    clean.pop("VIRTUAL_ENV", None)

    def install(*args: str) -> None:
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *args],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env=clean,
        )
        assert installed.returncode == 0, installed.stderr[-4000:]

    install("--require-hashes", "--no-deps", "-r", str(ROOT / "requirements.lock"))
    install("--no-deps", str(dist / f"testerarmy_wait-{version}-py3-none-any.whl"))
    command = env_dir / "bin" / "testerarmy-wait"
    said = subprocess.run(
        [str(command), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert said.stdout.strip() == f"testerarmy-wait {version}"
    # the waiter alone: the demo names the package it needs
    refused = subprocess.run(
        [str(command), "demo"], capture_output=True, text=True, timeout=60, check=False, env=clean
    )
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "testerarmy-wait: demo: needs the sandbox, a package of its own: "
        "pip install 'testerarmy-wait[sandbox]' (the container image bundles it)"
    ]

    # the waiter alone waits for handed runs: nothing but the demo needs the sandbox
    served = sandbox_factory()
    run_id = served.create_run("issues-found")
    alone = tmp_path / "alone"
    alone.mkdir()
    waited = subprocess.run(
        [str(command), "--run-id", run_id, "--api-url", served.url, "--poll-interval", "1"],
        cwd=alone,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=clean | {"TESTERARMY_API_KEY": served.api_key},
    )
    assert waited.returncode == 1, waited.stdout[-3000:] + waited.stderr[-3000:]
    assert "tester.army — FAILED: 3 blocking issues" in waited.stderr, waited.stderr[-3000:]
    assert run_id in (alone / "testerarmy-reports" / "testerarmy-wait.json").read_text("utf-8")

    # pip checks the sandbox's pin on the waiter it finds installed
    install(str(dist / f"testerarmy_wait_sandbox-{version}-py3-none-any.whl"))
    demo = subprocess.run(
        [str(command), "demo", "--strict"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=clean,
    )
    assert demo.returncode == 1, demo.stdout[-3000:] + demo.stderr[-3000:]  # issues found
    assert "FAILED" in demo.stderr
    assert (tmp_path / "testerarmy-reports" / "testerarmy-wait.junit.xml").is_file()
    # the installed package, not the working tree, answered
    where = subprocess.run(
        [str(python), "-c", "import testerarmy_wait; print(testerarmy_wait.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(env_dir))


def test_pipx_runs_the_wheel_as_the_readme_tells_other_ci_systems(
    dist: Path, tmp_path: Path
) -> None:
    version = testerarmy_wait.__version__
    env_dir = tmp_path / "pipx-venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TESTERARMY_", "INPUT_"))}
    clean.pop("VIRTUAL_ENV", None)
    clean |= {"PIPX_HOME": str(tmp_path / "pipx-home"), "PIPX_BIN_DIR": str(tmp_path / "bin")}
    installed = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "pipx"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=clean,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    wheel = dist / f"testerarmy_wait-{version}-py3-none-any.whl"
    ran = subprocess.run(
        [
            str(env_dir / "bin" / "pipx"),
            "run",
            "--spec",
            str(wheel),
            "testerarmy-wait",
            "--version",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=clean,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.strip() == f"testerarmy-wait {version}"
    # with no settings it refuses at once with the usage exit code, as documented
    refused = subprocess.run(
        [str(env_dir / "bin" / "pipx"), "run", "--spec", str(wheel), "testerarmy-wait"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=clean,
        cwd=tmp_path,
    )
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert "run-id" in refused.stderr
