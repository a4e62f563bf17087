"""The one escaping layer for untrusted server text.

Everything a run reports (feature names, descriptions, issue text, step titles, URLs) was
written by an AI agent after browsing arbitrary pages. Before any of it reaches a job
summary, a terminal or a log it goes through one of these functions:

- :func:`md_text` - inline text for GitHub-flavoured markdown, safe inside table cells,
  headings, link labels and raw-HTML blocks such as ``<details><summary>``.
- :func:`safe_url` / :func:`md_link` - link targets: only ``http``/``https``; anything
  else is shown as text, never as a link.
- :func:`terminal_text` - no ANSI/OSC sequences, no control characters.
- :func:`one_line` - plain text folded to one line and capped.
"""

from __future__ import annotations

import re
import string
from typing import Final
from urllib.parse import quote, urlsplit

from testerarmy_wait import redaction

ELLIPSIS: Final = redaction.ELLIPSIS

# C0 and C1 control characters, DEL, lone surrogates, and the Unicode bidi controls that
# can reorder what a reader sees ("Trojan source").
_BIDI: Final = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL_RE: Final = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_BIDI}]")
_NEWLINE_RE: Final = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
_SPACE_RE: Final = re.compile(r"\s+")
# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ended by
# BEL or ESC \), and two-byte escapes. Their 8-bit C1 forms are covered too.
_ANSI_RE: Final = re.compile(
    r"""
    (?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?       # CSI
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)  # OSC, DCS, ...
    | \x1b[\x20-\x2f]*[\x30-\x7e]?                            # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)

# Every ASCII punctuation character becomes a numeric character reference. In markdown
# a reference is literal text that can never be structure (no emphasis, link, table
# pipe, heading, list, autolink, HTML); inside a raw-HTML block the browser shows it as
# the character. Three harmless ones stay readable.
_KEEP: Final = frozenset(",;/")
_MD_ESCAPES: Final = {ord(c): f"&#{ord(c)};" for c in string.punctuation if c not in _KEEP} | {
    # cmark-gfm links e-mail addresses found in text after parsing, and GitHub links
    # @mentions: a word joiner after "@" breaks both without changing what is shown.
    ord("@"): "&#64;\u2060",
}

_URL_SAFE: Final = "-._~:/?#@!$*+,;=%&"
_PCT_RE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters, keeping nothing but text."""
    return _CONTROL_RE.sub("", _ANSI_RE.sub("", text))


def cap(text: str, limit: int | None) -> str:
    """Cut ``text`` to at most ``limit`` characters, ending with an ellipsis when cut; the start
    of a token left at the cut goes too (:func:`redaction.cut_end`)."""
    if limit is None or len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return redaction.cut_end(text[: limit - 1]).rstrip() + ELLIPSIS


#: Text is cut to this many times its limit before it is cleaned (plus a little): cleaning
#: megabytes to show two hundred characters would cost more than everything else.
_PRECUT_FACTOR: Final = 4
_PRECUT_EXTRA: Final = 256


def _precut(text: str, limit: int | None) -> tuple[str, bool]:
    """``text`` shortened before cleaning, with room for what cleaning removes; and whether
    anything was cut."""
    if limit is None or len(text) <= limit * _PRECUT_FACTOR + _PRECUT_EXTRA:
        return text, False
    return redaction.cut_end(text[: limit * _PRECUT_FACTOR + _PRECUT_EXTRA]), True


def _capped(text: str, limit: int | None, cut: bool) -> str:
    """``cap``, and an ellipsis even when the pre-cut alone shortened the text."""
    capped = cap(text, limit)
    if cut and not capped.endswith(ELLIPSIS):
        room = (limit or len(capped) + 1) - 1
        capped = redaction.cut_end(capped[:room]).rstrip() + ELLIPSIS
    return capped


def one_line(text: str | None, limit: int | None = None) -> str:
    """Plain one-line text: control sequences removed, all whitespace folded to one space."""
    if not text:
        return ""
    text, cut = _precut(text, limit)
    folded = _SPACE_RE.sub(" ", strip_controls(_NEWLINE_RE.sub(" ", text).replace("\t", " ")))
    return _capped(folded.strip(), limit, cut)


def terminal_text(text: str | None, *, multiline: bool = False, limit: int | None = None) -> str:
    """Text safe to print on a terminal or CI log: never an ESC or any control character.

    With ``multiline`` the line breaks are kept (normalised to ``\\n``) and tabs become
    spaces; otherwise the text is folded to one line.
    """
    if not text:
        return ""
    if not multiline:
        return one_line(text, limit)
    text, cut = _precut(text, limit)
    lines = _NEWLINE_RE.split(text.replace("\t", "    "))
    cleaned = "\n".join(strip_controls(line).rstrip() for line in lines)
    return _capped(cleaned.strip("\n"), limit, cut)


def md_text(text: str | None, limit: int | None = 200) -> str:
    """Inline markdown for untrusted text, folded to one line and capped at ``limit``
    characters (of the original text).

    The result renders as exactly the folded text wherever inline markdown goes: table
    cells, headings, link labels, list items, and raw-HTML blocks like
    ``<details><summary>``. It cannot open or close tags, split table cells, start links,
    images, code, emphasis or autolinks.
    """
    return one_line(text, limit).translate(_MD_ESCAPES)


def md_block(text: str | None, limit: int | None = 2000) -> str:
    """Untrusted multi-line text as one markdown paragraph, capped at ``limit`` characters.

    Lines are kept as hard line breaks (a trailing backslash); blank lines are dropped, so
    the text can never end the paragraph or start a block of its own.
    """
    if not text:
        return ""
    lines = [one_line(line) for line in _NEWLINE_RE.split(cap(text, limit))]
    return "\\\n".join(line.translate(_MD_ESCAPES) for line in lines if line)


def safe_url(url: str | None) -> str | None:
    """An absolute ``http``/``https`` URL made safe to use as a markdown link destination,
    or ``None`` when the value must not become a link.

    Characters that could end the destination or the link (spaces, ``<>()[]``, quotes,
    backslash, backtick, non-ASCII) are percent-encoded; existing escapes are kept.
    """
    if not url:
        return None
    candidate = url.strip()
    if (
        len(candidate) > 4000
        or _CONTROL_RE.search(candidate)
        or any(c.isspace() for c in candidate)
    ):
        return None
    try:
        parts = urlsplit(candidate)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    normalised = parts.scheme.lower() + candidate[len(parts.scheme) :]
    return quote(_PCT_RE.sub("%25", normalised), safe=_URL_SAFE)


def md_link(label: str, url: str | None, *, label_is_markdown: bool = False) -> str:
    """``[label](url)`` when the URL is a safe http(s) link, else the label alone.

    ``label`` is untrusted text unless ``label_is_markdown`` says it is already escaped.
    """
    shown = label if label_is_markdown else md_text(label)
    target = safe_url(url)
    if not shown and target is not None:
        shown = md_text(url, 80)
    if target is None:
        return shown
    # In a link destination character references are decoded, so "&" must be written
    # as one to stay an "&".
    return f"[{shown}]({target.replace('&', '&amp;')})"


def md_url(url: str | None, limit: int = 80) -> str:
    """An untrusted URL shown as a link (its text capped) when safe, else as plain text."""
    if not url:
        return ""
    return md_link(md_text(url, limit), url, label_is_markdown=True)


def _markdown_form(secret: str) -> str:
    return md_text(secret, None)


def rendered(redactor: redaction.Redactor, text: str) -> str:
    """A finished sink (summary, report file, log text) with the redactor's secrets out, in
    their plain and their markdown-escaped forms."""
    return redactor.masked(text, _markdown_form)
