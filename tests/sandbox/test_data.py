"""The sandbox's data: shipped with its package, a scenario file; the waiter never loads it."""

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

import testerarmy_wait
import testerarmy_wait_sandbox
from testerarmy_wait_sandbox import BUILTIN_SCENARIOS, builtin_scenario, load_scenario_file
from testerarmy_wait_sandbox.rewordings import KNOWN_SET, NEW, PROBLEMS, problem

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(testerarmy_wait.__file__).parent
SANDBOX = Path(testerarmy_wait_sandbox.__file__).parent
DATA = SANDBOX / "data"


def test_every_data_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "sandbox" / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["testerarmy_wait_sandbox"]
    files = [p.relative_to(SANDBOX).as_posix() for p in DATA.iterdir()]
    assert files
    assert all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files)


def test_the_data_file_is_a_scenario_file_of_the_plain_builtin_scenarios() -> None:
    plain = load_scenario_file(DATA / "builtin.json")
    assert [s.name for s in plain] == list(BUILTIN_SCENARIOS[: len(plain)])
    assert all(s == builtin_scenario(s.name) for s in plain)


def test_the_account_scenarios_play_the_rewordings() -> None:
    assert len(PROBLEMS) == 16
    assert all(len(p.titles) == len(p.descriptions) == len(p.urls) == 5 for p in PROBLEMS)
    output = builtin_scenario("new-beside-known").output
    assert output is not None
    expected = [problem(k).issue(1) for k in KNOWN_SET] + [problem(NEW).issue(0)]
    assert output["issues"] == expected


def test_no_module_of_the_waiter_loads_the_sandbox() -> None:
    modules = [
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in sorted(PACKAGE.rglob("*.py"))
    ]
    waiting = [m for m in modules if not m.endswith("__main__")]
    assert len(waiting) > 20
    probe = (
        "import importlib, sys\n"
        f"for m in {waiting!r}:\n"
        "    importlib.import_module(m)\n"
        "print([m for m in sys.modules if m.startswith('testerarmy_wait_sandbox')])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
