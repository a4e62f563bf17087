from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from testerarmy_wait.ci.gitlab import Sections, section_end, section_name, section_start


def test_section_start_and_end_follow_gitlabs_format() -> None:
    assert section_start("poll_log", "Poll log", timestamp=1700000000) == (
        "\x1b[0Ksection_start:1700000000:poll_log[collapsed=true]\r\x1b[0KPoll log\n"
    )
    assert section_start("a", "A", timestamp=1, collapsed=False) == (
        "\x1b[0Ksection_start:1:a\r\x1b[0KA\n"
    )
    assert section_end("poll_log", timestamp=1700000009) == (
        "\x1b[0Ksection_end:1700000009:poll_log\r\x1b[0K\n"
    )


@given(st.text())
def test_section_names_only_use_allowed_characters(name: str) -> None:
    cleaned = section_name(name)
    assert cleaned
    assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in cleaned)


def test_header_from_untrusted_text_cannot_end_or_fake_a_section() -> None:
    line = section_start("x", "bad\r\x1b[0Ksection_end:1:x\nnext", timestamp=5)
    assert line.count("\x1b") == 2
    assert line.count("\r") == 1
    assert line.endswith("\r\x1b[0Kbad section_end:1:x next\n")


def test_sections_use_the_injected_clock_and_stream() -> None:
    out = io.StringIO()
    sections = Sections(out, clock=lambda: 42.9)
    with sections.section("run 1", "Run 1"):
        out.write("body\n")
    assert out.getvalue() == (
        "\x1b[0Ksection_start:42:run_1[collapsed=true]\r\x1b[0KRun 1\nbody\n"
        "\x1b[0Ksection_end:42:run_1\r\x1b[0K\n"
    )
