"""The GitHub runner's side, for assertions: how it reads ``GITHUB_OUTPUT`` and which
workflow commands it would act on in a log."""

from __future__ import annotations

import re
from dataclasses import dataclass


def _read_line(text: str, index: int) -> tuple[str | None, int, str | None]:
    """One line from ``index``: (line, next index, newline), as the runner splits lines
    (``\\n`` or ``\\r\\n``)."""
    if index >= len(text):
        return None, index, None
    end = text.find("\n", index)
    if end < 0:
        return text[index:], len(text), None
    newline = "\n"
    line_end = end
    if end > index and text[end - 1] == "\r":
        newline = "\r\n"
        line_end = end - 1
    return text[index:line_end], end + 1, newline


def parse_output_file(text: str) -> dict[str, str]:
    """``GITHUB_OUTPUT`` parsed like the runner: ``key=value`` lines and ``key<<DELIM``
    heredocs whose value is the exact text up to the newline before the delimiter line.
    Raises ``ValueError`` where the runner would fail the step."""
    outputs: dict[str, str] = {}
    index = 0
    line, index, _ = _read_line(text, index)
    while line is not None:
        if line:
            equals, heredoc = line.find("="), line.find("<<")
            if heredoc >= 0 and (equals < 0 or heredoc < equals):
                key, delimiter = line[:heredoc], line[heredoc + 2 :]
                if not key or not delimiter:
                    raise ValueError(f"invalid heredoc line {line!r}")
                start = index
                end = index
                value_line, index, newline = _read_line(text, index)
                while value_line != delimiter:
                    if value_line is None:
                        raise ValueError(f"matching delimiter not found {delimiter!r}")
                    if newline is None:
                        raise ValueError("EOF marker missing new line")
                    end = index - len(newline)
                    value_line, index, newline = _read_line(text, index)
                outputs[key] = text[start:end] if start < end else ""
            else:
                if equals <= 0:
                    raise ValueError(f"invalid line {line!r}")
                outputs[line[:equals]] = line[equals + 1 :]
        line, index, _ = _read_line(text, index)
    return outputs


_COMMAND_RE = re.compile(r"::([A-Za-z-]+)(?: ([^:]*))?::(.*)")


# ``##[name key=value;...]data``: the runner's older syntax, recognised anywhere in a line.
_LEGACY_RE = re.compile(r"##\[(\S+?)(?: ([^\]]*))?\](.*)")


@dataclass
class Command:
    name: str
    properties: str
    data: str


def commands_processed(log: str) -> tuple[list[Command], list[str]]:
    """(commands the runner would act on, plain lines it would show while commands are
    on). Lines inside ``::stop-commands::TOKEN`` ... ``::TOKEN::`` are neither."""
    processed: list[Command] = []
    plain: list[str] = []
    resume: str | None = None
    for raw in log.split("\n"):
        line = raw.lstrip()
        if resume is not None:
            if line == resume:
                resume = None
            continue
        match = _COMMAND_RE.fullmatch(line)
        if match is None:
            legacy = _LEGACY_RE.search(line)
            if legacy is not None:  # the old form counts anywhere in the line
                processed.append(Command(legacy[1], legacy[2] or "", legacy[3]))
            elif line:
                plain.append(line)
            continue
        command = Command(match[1], match[2] or "", match[3])
        if command.name == "stop-commands":
            resume = f"::{command.data}::"
        processed.append(command)
    return processed, plain
