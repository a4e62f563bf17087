"""How the packages are layered: no import cycle between their modules or packages (lazy and
type-checking imports count), and the settings load nothing of what comes after them. The
sandbox, a package of its own, is held to the same rules."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import testerarmy_wait
import testerarmy_wait_sandbox

PACKAGE = Path(testerarmy_wait.__file__).parent
SANDBOX = Path(testerarmy_wait_sandbox.__file__).parent
NAME = "testerarmy_wait"


def _modules() -> dict[str, Path]:
    found = {}
    for package in (PACKAGE, SANDBOX):
        for path in package.rglob("*.py"):
            parts = path.relative_to(package.parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, wherever the import stands."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([node.module] if node.module else [])])
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            edges[name].update(t for t in targets if t in modules and t != name)
    return edges


def _package(module: str) -> str:
    """A subpackage (``testerarmy_wait.ci``) or a top-level module stands for itself; the
    sandbox is one package."""
    return ".".join(module.split(".")[: 1 if module.startswith(SANDBOX.name) else 2])


def _cycle(edges: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph, or []."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return []

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_no_module_imports_itself_back_through_others() -> None:
    assert _cycle(_imports(_modules())) == []


def test_no_package_imports_itself_back_through_others() -> None:
    by_package: dict[str, set[str]] = defaultdict(set)
    for module, targets in _imports(_modules()).items():
        by_package[_package(module)].update(
            _package(t) for t in targets if _package(t) != _package(module)
        )
    assert _cycle(by_package) == []


def test_the_settings_load_no_adapter_report_verdict_or_http_client() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, testerarmy_wait.config; print('\\n'.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    ours = [m for m in loaded if m.startswith(NAME)]
    later = ("ci.github", "ci.gitlab", "ci.terminal", "ci.reporters", "report", "verdict")
    assert not [m for m in ours if m.removeprefix(f"{NAME}.").startswith(later)], ours
    assert "httpx" not in loaded
    assert f"{NAME}.client" not in ours


def test_the_command_loads_only_what_waiting_needs_before_its_first_request() -> None:
    """Importing the command and the terminal's reporter (what runs before the first request)
    leaves out the code host's API, the review, the other platforms' reporters, the mobile
    build, the re-run look-back, the preview deployment and its readiness gate, the reports
    and pydantic: each is loaded when it is needed."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, testerarmy_wait.cli, testerarmy_wait.ci.terminal; "
            "print('\\n'.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    ours = {m.removeprefix(f"{NAME}.") for m in loaded if m.startswith(NAME)}
    later = {
        "ci.forge", "ci.github", "ci.gitlab", "ci.github_api", "ci.gitlab_api", "ci.review",
        "ci.sticky", "ci.previous_attempt", "ci.pull_lookup", "mobile", "rerun", "baseline",
        "models", "report.json_report", "report.summary", "report.junit", "report.comment",
        "listing", "starting", "retrying", "request_retry", "report.blocks", "report.advice",
        "preview", "ready_gate",
    }  # fmt: skip
    assert ours & later == set()
    assert not {"pydantic", "statistics", "uuid", "zipfile"} & set(loaded)


#: The one module that reads the environment's variables, the one that hands it over, and
#: the one that judges the proxy and CA variables the context keeps for it (``network_env``).
ENVIRONMENT_READERS = {f"{NAME}.ci_context", f"{NAME}.cli", f"{NAME}.network"}
#: A variable named in code: ``"GITHUB_SHA"``, ``"CI_JOB_URL"``, ``"NO_COLOR"``...
PLATFORM_VARIABLE = (
    "GITHUB_",
    "GITLAB_",
    "CI_",
    "RUNNER_",
    "NO_COLOR",
    "TERM",
    "HTTPS_PROXY",
    "SSL_CERT",
)


def _names_of_variables(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            found.add("os.environ")
        value = node.value if isinstance(node, ast.Constant) else None
        if isinstance(value, str) and value.startswith(PLATFORM_VARIABLE) and value.isupper():
            found.add(value)
    return found


def test_only_the_ci_context_reads_the_environment() -> None:
    """The platform's variables are named in ``ci_context`` only (``cli`` hands
    ``os.environ`` to it); everything else takes the context. The sandbox, a separate
    program, is left out."""
    readers = {
        name: names
        for name, path in _modules().items()
        if not name.startswith(SANDBOX.name) and (names := _names_of_variables(path))
    }
    assert set(readers) <= ENVIRONMENT_READERS, {
        k: v for k, v in readers.items() if k not in ENVIRONMENT_READERS
    }


def test_no_function_is_longer_than_60_lines() -> None:
    long = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > 60:
                    long.append(f"{name}.{node.name}: {lines}")
    assert long == []
