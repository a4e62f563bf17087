"""What an issue report is compared by, without a model: where it is (the page, normalised;
its area; the test step it was reported in) and its words, normalised.

The agent writes its reports anew on every run: the same problem comes back with other words,
another word order, another order id in the URL. So the page is the URL's path only (no
scheme, host, query or fragment; a ``#/route`` of a single-page app counts as the path),
lower-cased, with id-like segments replaced by ``*``; and each part of a report (title,
description, expected and actual behaviour, reproduction steps) becomes the set of its content
words, stemmed, without stop words or negations. ``matching`` weighs and compares them. Pure
and deterministic: same inputs, same answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from testerarmy_wait.models import Issue, Step

ID_SEGMENT: Final = "*"
#: Only the start of a text is fingerprinted: a title or description from the server may be
#: megabytes long, and its first words are the ones that name the problem.
TEXT_CHARS: Final = 2000
#: Reproduction steps read of one report.
MAX_STEPS: Final = 20
_UUID: Final = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_HEX_ID: Final = re.compile(r"(?=[0-9a-f]*\d)[0-9a-f]{8,}")
_LONG_NUMBER: Final = re.compile(r"\d{4,}")
_MIXED_TOKEN: Final = re.compile(r"(?=\S*\d)(?=\S*[a-z])[a-z0-9_\-]{10,}")
#: A short prefix and an id: tr_88a1, acc-1182, st_20240331.pdf.
_PREFIXED_ID: Final = re.compile(r"[a-z]{1,8}[_\-](?=[a-z0-9]*\d)[a-z0-9]+(?:\.[a-z0-9]{1,5})?")
_WORD: Final = re.compile(r"[^\W_]+")
_SCHEME_AND_HOST: Final = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:)?//[^/?#]*", re.IGNORECASE)

#: Words that say nothing about which problem it is (and negations, which every issue has).
STOP_WORDS: Final = frozenset(
    """a an the this that these those it its is are was were be been being am do does did
    doing done has have had having to of in on at by for with from into onto upon as than then
    and or but if so when while after before during over under again also only just still
    very too quite some any all each every both either neither not no nor never none nothing
    cannot cant can could would should will wont isnt arent wasnt werent dont doesnt didnt
    hasnt havent hadnt there here where which who whom whose what why how i you he she we they
    me him her us them my your our their user users page screen shown shows show appears
    instead even though although despite without within via per""".split()  # noqa: SIM905
)
#: Words the agent uses interchangeably for the same thing, by concept: generic words of UI
#: testing, not of any one application.
_CONCEPTS: Final = {
    "button": "btn",
    "click": "tap press pressing tapping clicking clicked tapped pressed",
    "stuck": "hang hangs hanging freeze freezes frozen forever spin spins spinning spinner "
    "loader loading endless",
    "fail": "error errors fails failing failed failure broken breaks crash crashes",
    "incorrect": "wrong invalid incorrectly malformed bad",
    "absent": "missing lacks lack lacking omitted omits omit excluded excludes exclude "
    "without ignores ignored ignore",
    "hidden": "invisible hide hides",
    "lost": "gone disappear disappears disappeared vanish vanishes revert reverts reverted "
    "reset resets clear clears cleared drop drops dropped forget forgets forgotten lose loses",
    "reload": "refresh refreshes refreshing refreshed reloading reloaded",
    "empty": "blank nothing",
    "reject": "rejects rejected refuse refuses refused decline declines declined deny denies",
    "accept": "accepts accepted allow allows allowed permits permitted",
    "save": "saving saved saves store stores stored persist persists persisted",
    "message": "toast notice notification alert",
    "image": "img pic picture photo avatar",
    "colour": "color colors colours",
    "contrast": "ratio",
    "login": "signin logon",
    "signup": "register registration registers",
    "order": "purchase purchases",
    "basket": "cart bag",
    "coupon": "promo discount voucher",
    "payment": "pay paying paid",
    "cost": "fee fees price charge charges",
    "mail": "email e-mail",
    "a11y": "screenreader screenreaders voiceover aria assistive accessibility",
    "notfound": "404",
    "local": "locale localised localized localisation localization",
}
SYNONYMS: Final = {word: concept for concept, words in _CONCEPTS.items() for word in words.split()}
#: Words are cut to this many characters after their suffix is taken off.
STEM_CHARS: Final = 6
_SUFFIXES: Final = (
    "ations", "ation", "ings", "ing", "edly", "ied", "ies", "ed", "es", "ly", "s",
)  # fmt: skip


def page_of(url: str | None) -> str:
    """The page an issue is on: the URL's path, lower-case, ids as ``*``, no trailing slash.
    ``""`` when there is no URL."""
    text = (url or "")[:TEXT_CHARS].strip()
    if not text:
        return ""
    path, fragment = _path_and_fragment(text)
    if path in ("", "/") and fragment.startswith("/"):  # a single-page app's #/route
        path = fragment.split("?", 1)[0]
    segments = [_segment(s) for s in unquote(path).lower().split("/") if s]
    return "/" + "/".join(segments)


def _path_and_fragment(text: str) -> tuple[str, str]:
    try:
        parts = urlsplit(text if "://" in text or text.startswith("/") else "//" + text)
    except ValueError:  # not a URL the parser takes ("http://[", say): cut it by hand
        rest = _SCHEME_AND_HOST.sub("", text)
        rest, _, fragment = rest.partition("#")
        return rest.partition("?")[0], fragment
    return parts.path, parts.fragment


def _segment(segment: str) -> str:
    if segment.isdigit() or _UUID.fullmatch(segment) or _HEX_ID.fullmatch(segment):
        return ID_SEGMENT
    if _LONG_NUMBER.search(segment) or _MIXED_TOKEN.fullmatch(segment):
        return ID_SEGMENT
    if _PREFIXED_ID.fullmatch(segment):
        return ID_SEGMENT
    return segment


def area_of(page: str) -> str:
    """The area of the app a page is in: its first path segment ("" for none or an id)."""
    first = page.split("/", 2)[1] if page.startswith("/") else ""
    return "" if first == ID_SEGMENT else first


def step_key(title: str | None) -> str:
    """A test step's title as steps are compared: case and spacing ignored."""
    return " ".join((title or "")[:TEXT_CHARS].casefold().split())


def step_at(t_ms: int | None, steps: Sequence[Step]) -> str | None:
    """The title of the test step that was running at ``t_ms`` (an issue's ``tMs``): the
    first whose ``startedAtMs``..``completedAtMs`` holds it; None when none does."""
    if t_ms is None:
        return None
    for step in steps:
        start, end = step.started_at_ms, step.completed_at_ms
        if start is not None and end is not None and start <= t_ms <= end and step.title.strip():
            return step.title.strip()[:TEXT_CHARS]
    return None


#: The parts of a report, in the order ``report_fields`` gives their words.
FIELDS: Final = ("title", "description", "expected", "actual", "reproduction")


def issue_fields(issue: Issue) -> tuple[frozenset[str], ...]:
    """The content words of each part of an issue (see ``FIELDS``)."""
    return report_fields(
        issue.name,
        issue.description,
        issue.expected_behavior,
        issue.actual_behavior,
        issue.reproduction_steps,
    )


def report_fields(
    title: str,
    description: str | None,
    expected: str | None,
    actual: str | None,
    steps: Sequence[str],
) -> tuple[frozenset[str], ...]:
    """The content words of a report's title, description, expected and actual behaviour and
    reproduction steps (the first ``TEXT_CHARS`` characters of each, ``MAX_STEPS`` steps)."""
    reproduction = frozenset().union(*(words_of(step) for step in steps[:MAX_STEPS]))
    return (
        words_of(title),
        words_of(description or ""),
        words_of(expected or ""),
        words_of(actual or ""),
        reproduction,
    )


def _stem(word: str) -> str:
    """A light stemmer: a suffix off, a final e off, then the first ``STEM_CHARS``
    characters (complete, completes, completed -> complet; address, addresses -> addres)."""
    if not word.endswith("ss"):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: -len(suffix)]
                word = stem + "y" if suffix in ("ies", "ied") else stem
                break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word[:STEM_CHARS]


def words_of(text: str) -> frozenset[str]:
    """The content words of a title (its first ``TEXT_CHARS`` characters): normalised,
    stemmed, without stop words."""
    return _words(text[:TEXT_CHARS])


@lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("'", "").replace("’", "")
    folded = folded.replace("screen reader", "screenreader").replace("not found", "notfound")
    out = set()
    for raw in _WORD.findall(folded):
        word = SYNONYMS.get(raw, raw)
        if word in STOP_WORDS or len(word) < 3:  # short numbers too: "4.5:1" says little
            continue
        out.add(_stem(word))
    return frozenset(out)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two word sets: 1.0 the same words, 0.0 none in common."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def type_of(issue_type: str | None) -> str:
    return (issue_type or "issue").strip().casefold() or "issue"


def feature_key(name: str | None) -> str:
    return " ".join((name or "").casefold().split())
