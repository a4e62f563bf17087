from __future__ import annotations

import html
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from testerarmy_wait.report.escape import (
    ELLIPSIS,
    md_block,
    md_link,
    md_text,
    md_url,
    one_line,
    safe_url,
    terminal_text,
)
from tests.report.factories import HOSTILE_STRINGS
from tests.report.html_check import inspect, render

# Text that looks like markup: hypothesis mixes these with arbitrary unicode.
MARKUP = st.sampled_from(
    [
        "<",
        ">",
        "&",
        "|",
        "\\",
        "`",
        "*",
        "_",
        "~",
        "[",
        "]",
        "(",
        ")",
        "!",
        "#",
        "@",
        ":",
        "www.",
        "http://",
        "https://x.y",
        "a@b.co",
        "</details>",
        "<img src=x>",
        "&amp;",
        "&#124;",
        "\n",
        "\r",
        "\t",
        "\x1b[31m",
        "\x1b]0;t\x07",
        "\x00",
        "\x85",
        "\u2028",
        "    ",
        "- ",
        "1. ",
        "> ",
        "---",
        "===",
        "$",
        "^",
        "{",
        "}",
        "\u202e",
        "::error::",
    ]
)
UNTRUSTED = st.lists(st.one_of(MARKUP, st.text(max_size=8)), max_size=30).map("".join)
ALLOWED_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def expected_text(text: str, limit: int | None = 200) -> str:
    return one_line(text, limit).replace("@", "@\u2060")


def cell_text(markdown_cell: str, *, unsafe: bool) -> tuple[list[str], str, list[int]]:
    doc = inspect(f"| head |\n|---|\n| {markdown_cell} |", unsafe=unsafe)
    return doc.tags, "".join(doc.text).replace("\n", ""), doc.rows


@settings(max_examples=300, deadline=None)
@given(UNTRUSTED, st.booleans())
@example("a | b </details> <img src=x onerror=alert(1)> [x](javascript:alert(1))", True)
@example("foo@bar.com www.example.com https://example.com", False)
def test_md_text_in_a_table_cell_renders_only_that_text(text: str, unsafe: bool) -> None:
    tags, shown, rows = cell_text(md_text(text), unsafe=unsafe)
    assert tags == ["table", "thead", "tr", "th", "tbody", "tr", "td"]
    assert rows == [1, 1]
    assert shown == "head" + expected_text(text)


@settings(max_examples=200, deadline=None)
@given(UNTRUSTED)
def test_md_text_in_details_summary_and_heading_renders_only_that_text(text: str) -> None:
    escaped = md_text(text)
    doc = inspect(f"<details><summary>{escaped}</summary>\n\nbody\n\n</details>\n\n### {escaped}")
    assert doc.tags == ["details", "summary", "p", "h3"]
    summary_html = render(f"<details><summary>{escaped}</summary>\n\n</details>")
    summary = summary_html.split("<summary>", 1)[1].split("</summary>", 1)[0]
    assert html.unescape(summary) == expected_text(text)


@settings(max_examples=200, deadline=None)
@given(UNTRUSTED)
def test_md_block_is_one_paragraph_of_plain_text(text: str) -> None:
    doc = inspect(md_block(text))
    assert set(doc.tags) <= {"p", "br"}
    assert doc.tags.count("p") <= 1


@given(st.text())
def test_terminal_text_never_contains_escape_or_control_characters(text: str) -> None:
    assert not ALLOWED_CONTROL.search(terminal_text(text))
    assert not ALLOWED_CONTROL.search(terminal_text(text, multiline=True).replace("\n", ""))


@given(st.text(), st.integers(min_value=1, max_value=50))
def test_one_line_is_one_line_and_capped(text: str, limit: int) -> None:
    line = one_line(text, limit)
    assert "\n" not in line
    assert "\r" not in line
    assert len(line) <= limit


def test_terminal_text_strips_ansi_and_osc_sequences_but_keeps_the_words() -> None:
    assert (
        terminal_text("\x1b[31mred\x1b[0m \x1b]0;title\x07ok \x1b]8;;http://x\x1b\\link")
        == "red ok link"
    )
    assert terminal_text("a\rb\x00c\x9bmd") == "a bcd"
    assert terminal_text("one\ntwo\r\nthree", multiline=True) == "one\ntwo\nthree"


def test_md_text_caps_long_text_with_an_ellipsis() -> None:
    assert md_text("x" * 500, 10) == "x" * 9 + ELLIPSIS


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>",
        "vbscript:x",
        "//evil.example/x",
        "/relative",
        "https://",
        "http://exa mple.com",
        "https://ok.example/\x00",
        "https://ok.example:99999/",
        "",
    ],
)
def test_safe_url_refuses_anything_but_absolute_http_links(url: str) -> None:
    assert safe_url(url) is None
    doc = inspect(md_link("label", url))
    assert doc.links() == []


def test_safe_url_percent_encodes_what_could_end_a_markdown_link() -> None:
    url = safe_url("https://ok.example/a)b(c<d>\"e'f`g\\h[i]j?q=%zz&r=%41")
    assert url == ("https://ok.example/a%29b%28c%3Cd%3E%22e%27f%60g%5Ch%5Bi%5Dj?q=%25zz&r=%41")


@settings(max_examples=200, deadline=None)
@given(UNTRUSTED, UNTRUSTED)
@example("x", 'https://ok.example/p?q=1&r=")](javascript:x)')
def test_md_link_makes_at_most_one_http_link_and_no_other_element(label: str, url: str) -> None:
    doc = inspect(f"| h |\n|---|\n| {md_link(label, 'https://ok.example/' + url)} |")
    assert [t for t in doc.tags if t not in {"table", "thead", "tr", "th", "tbody", "td"}] in (
        [],
        ["a"],
    )
    assert all(href.startswith("https://ok.example/") for href in doc.links())
    assert doc.rows == [1, 1]


@pytest.mark.parametrize("hostile", HOSTILE_STRINGS)
def test_hostile_urls_become_text_or_a_single_http_link(hostile: str) -> None:
    doc = inspect(md_url(hostile))
    assert set(doc.tags) <= {"p", "a"}
    assert all(link.startswith(("http://", "https://")) for link in doc.links())


def test_link_keeps_ampersands_in_the_query() -> None:
    doc = inspect(md_link("x", "https://ok.example/?a=1&b=2&amp;c"))
    assert doc.links() == ["https://ok.example/?a=1&b=2&amp;c"]


def test_a_text_cut_twice_ends_in_one_ellipsis() -> None:
    from testerarmy_wait.report.escape import one_line

    for text in ("a" * 10 + "\x01" * 2000, "a" * 5000, "word " * 3000):
        shown = one_line(text, 10)
        assert len(shown) <= 10
        assert shown.endswith("…")
        assert not shown.endswith("……")
