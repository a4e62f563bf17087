"""Writing the report files (JSON, JUnit XML, dotenv) atomically under the report dir."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.dotenv import render_dotenv
from testerarmy_wait.report.escape import rendered
from testerarmy_wait.report.json_report import json_chunks
from testerarmy_wait.report.junit import Counts, junit_document, junit_suites
from testerarmy_wait.verdict import Verdict
from testerarmy_wait.workspace import inside_workspace, write_text_atomic

JSON_NAME: Final = "testerarmy-wait.json"
JUNIT_NAME: Final = "testerarmy-wait.junit.xml"
DOTENV_NAME: Final = "testerarmy-wait.env"


@dataclass(frozen=True)
class ReportPaths:
    """Where the reports are: absolute paths, and the same as a later step sees them
    (relative to the workspace when inside it, else absolute)."""

    json: Path
    junit: Path
    dotenv: Path
    json_relative: str
    junit_relative: str
    dotenv_relative: str
    errors: tuple[str, ...] = ()  # one sentence per file that could not be written

    def for_summary(self) -> dict[str, str]:
        return {"json": self.json_relative, "junit": self.junit_relative}


def relative_to_workspace(path: Path, workspace: Path) -> str:
    """``path`` relative to ``workspace`` (POSIX separators) when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(workspace.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _json_pieces(verdict: Verdict, clean: Redactor) -> Iterator[str]:
    for piece in json_chunks(verdict):
        yield rendered(clean, piece)
    yield "\n"


def _junit_pieces(verdict: Verdict, clean: Redactor) -> Iterator[str]:
    """The suites go to a scratch file first: the totals lead the document."""
    total = Counts()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as scratch:
        for text, counts in junit_suites(verdict):
            scratch.write(rendered(clean, text))
            total.add(counts)
        head, tail = junit_document(total, verdict.elapsed_s)
        yield head
        scratch.seek(0)
        while piece := scratch.read(1 << 20):
            yield piece
        yield tail


def write_reports(
    verdict: Verdict,
    report_dir: Path,
    *,
    workspace: Path,
    redactor: Redactor,
    junit_path: Path | None = None,
) -> ReportPaths:
    """Write the three reports (the JUnit one at ``junit_path`` when given), with every
    secret taken out. A file that cannot be written, or would land outside the workspace
    (a symbolic link pointing out of it, say), is named in ``errors``: the verdict still
    stands, reporting must not change the exit code."""
    directory = report_dir.resolve()
    paths = {
        JSON_NAME: directory / JSON_NAME,
        JUNIT_NAME: junit_path.resolve() if junit_path is not None else directory / JUNIT_NAME,
        DOTENV_NAME: directory / DOTENV_NAME,
    }
    contents: dict[str, Callable[[], Iterable[str]]] = {
        JSON_NAME: lambda: _json_pieces(verdict, redactor),
        JUNIT_NAME: lambda: _junit_pieces(verdict, redactor),
        DOTENV_NAME: lambda: [rendered(redactor, render_dotenv(verdict))],
    }
    errors: list[str] = []
    for name, render in contents.items():
        target = paths[name]
        if not inside_workspace(target, workspace):
            errors.append(f"did not write {target}: it is outside the workspace")
            continue
        try:
            write_text_atomic(target, render())
        except OSError as error:
            errors.append(f"could not write {target}: {error.strerror or error}")
        except (ValueError, UnicodeError) as error:  # a path the file system cannot take
            errors.append(f"could not write {target}: {type(error).__name__}")
    return ReportPaths(
        json=paths[JSON_NAME],
        junit=paths[JUNIT_NAME],
        dotenv=paths[DOTENV_NAME],
        json_relative=relative_to_workspace(paths[JSON_NAME], workspace),
        junit_relative=relative_to_workspace(paths[JUNIT_NAME], workspace),
        dotenv_relative=relative_to_workspace(paths[DOTENV_NAME], workspace),
        errors=tuple(errors),
    )
