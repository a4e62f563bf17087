"""Read GitHub's file commands the way the runner does, for assertions in tests."""

from __future__ import annotations


def parse_github_output(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIM`` heredocs, as the runner's parser reads
    ``GITHUB_OUTPUT``; raises ``ValueError`` where the runner would fail the step."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if heredoc > 0 and (eq < 0 or heredoc < eq):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            if not name or not delimiter:
                raise ValueError(f"invalid heredoc header: {line!r}")
            body: list[str] = []
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError(f"missing delimiter {delimiter!r}")
            i += 1
            outputs[name] = "\n".join(body)
        elif eq > 0:
            outputs[line[:eq]] = line[eq + 1 :]
        else:
            raise ValueError(f"invalid line: {line!r}")
    return outputs
