"""Reading rendered markdown back: which elements and links a summary produces."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import cmarkgfm  # type: ignore[import-untyped]
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]


def render(markdown: str, *, unsafe: bool = True) -> str:
    options = Options.CMARK_OPT_UNSAFE if unsafe else 0
    html: str = cmarkgfm.github_flavored_markdown_to_html(markdown, options=options)
    return html


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]


@dataclass
class Inspector(HTMLParser):
    elements: list[Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    _cells: int = 0

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs)))
        if tag == "tr":
            self._cells = 0
        if tag in {"td", "th"}:
            self._cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self.rows.append(self._cells)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    @property
    def tags(self) -> list[str]:
        return [e.tag for e in self.elements]

    def links(self) -> list[str]:
        return [e.attrs.get("href") or "" for e in self.elements if e.tag == "a"]


def inspect(markdown: str, *, unsafe: bool = True) -> Inspector:
    inspector = Inspector()
    inspector.feed(render(markdown, unsafe=unsafe))
    inspector.close()
    return inspector


def visible_text(markdown: str) -> str:
    """The text a reader sees once GitHub has rendered ``markdown``."""
    return "".join(inspect(markdown).text)


# Everything our own markdown may produce; server text must add nothing to it.
ALLOWED_TAGS = {
    "h2", "h3", "p", "br", "strong", "code", "a", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
}  # fmt: skip


def assert_safe(markdown: str) -> None:
    """No element but ours, only http(s) links, tables keep their columns, every
    ``<details>`` closed, and no raw HTML dropped (which would mean a tag got through)."""
    for unsafe in (True, False):
        doc = inspect(markdown, unsafe=unsafe)
        assert set(doc.tags) <= ALLOWED_TAGS
        assert all(re.match(r"https?://", link) for link in doc.links()), doc.links()
        assert set(doc.rows) <= {4, 5, 6}
        if unsafe:
            assert doc.tags.count("details") == markdown.count("<details><summary>")
            assert doc.tags.count("summary") == doc.tags.count("details")
    assert "<details>" not in markdown.replace("<details><summary>", "")
    assert markdown.count("<details><summary>") == markdown.count("</details>")
