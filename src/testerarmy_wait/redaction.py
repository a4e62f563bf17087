"""Taking the program's secrets (``config.secrets_in`` finds them) out of everything it writes.

Server text may quote a secret (an error message repeating the key, an issue the agent wrote
after seeing it on a page). Secrets are taken out of server answers as soon as they are parsed
(:meth:`Redactor.deep`), out of our own messages (:meth:`Redactor.message`), and once more
from every rendered sink (:meth:`Redactor.masked`), where the escaped forms a secret takes in
markdown are looked for as well: the runner's masking matches the exact text only.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

#: Text that looks like a tester.army key (in our own messages, e.g. a key typed into the
#: wrong setting): ``sk_`` and at least six key characters, not inside a longer word.
KEY_LIKE: Final = re.compile(r"(?<![A-Za-z0-9])sk_[A-Za-z0-9_\-]{6,}")
MASK: Final = "***"
ELLIPSIS: Final = "…"
#: Secrets shorter than this are not searched for in text (they would match everywhere).
MIN_SECRET_CHARS: Final = 4
#: The fragment left at a cut is taken out when it is this many first characters of a secret or
#: more. Fewer would match ordinary text by chance and give away at most three characters; and
#: every token of a known shape starts with a public prefix of at least four (``ghs_``,
#: ``glpat-``), so a fragment holding any of a token's secret characters is longer than this.
MIN_PREFIX_CHARS: Final = 4
#: Where a token of a known shape starts: a tester.army key, a GitHub token (``ghp_``, ``gho_``,
#: ``ghu_``, ``ghs_``, ``ghr_``, ``github_pat_``) or a GitLab one (``glpat-``).
_TOKEN_START: Final = re.compile(r"(?<![A-Za-z0-9])(?:sk_|gh[pousr]_|github_pat_|glpat-)")
_TOKEN_CHARS: Final = string.ascii_letters + string.digits + "_-"


def redact(text: str, secrets: Sequence[str]) -> str:
    """A message that may quote user input, with every secret taken out."""
    return Redactor(secrets).message(text)


def cut(text: str, limit: int, secrets: Sequence[str] = ()) -> str:
    """:meth:`Redactor.cut` with ``secrets`` (none: the token shapes alone)."""
    return Redactor(secrets).cut(text, limit)


def cut_end(text: str, secrets: Sequence[str] = ()) -> str:
    """``text``, cut right after its end, with the fragment left at the cut replaced by ``***``
    when it is the start of a secret (``MIN_PREFIX_CHARS`` of it or more) or of a token of a
    known shape."""
    longest = 0
    for secret in secrets:
        for n in range(min(len(secret) - 1, len(text)), MIN_PREFIX_CHARS - 1, -1):
            if text.endswith(secret[:n]):
                longest = max(longest, n)
                break
    word = max(0, len(text.rstrip(_TOKEN_CHARS)) - 1)  # the last word and the character before
    if (token := _TOKEN_START.search(text, word)) is not None:
        longest = max(longest, len(text) - token.start())
    return text[: len(text) - longest] + MASK if longest else text


class Redactor:
    """Takes the given secrets out of text and parsed JSON."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        given = tuple(dict.fromkeys(s for s in secrets if s))
        #: Every secret given, short ones too: the runner masks them all (``add-mask``).
        self.given: tuple[str, ...] = given
        found = {s for s in given if len(s) >= MIN_SECRET_CHARS}
        self.secrets: tuple[str, ...] = tuple(sorted(found, key=len, reverse=True))
        self._forms: dict[Callable[[str], str], tuple[str, ...]] = {}
        self._raw_forms: tuple[bytes, ...] | None = None

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def learn(self, *secrets: str) -> None:
        """Secrets met on the way (a presigned upload URL and its signature): taken out of
        everything written from now on."""
        fresh = [s for s in secrets if s and s not in self.given]
        if not fresh:
            return
        self.given = (*self.given, *fresh)
        found = set(self.secrets) | {s for s in fresh if len(s) >= MIN_SECRET_CHARS}
        self.secrets = tuple(sorted(found, key=len, reverse=True))
        self._forms = {}
        self._raw_forms = None

    def text(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def message(self, text: str) -> str:
        """One of our own messages (it may quote settings): secrets and key-like text out."""
        return KEY_LIKE.sub("sk_" + MASK, self.text(text))

    def cut(self, text: str, limit: int) -> str:
        """``text`` with every secret taken out, then cut to at most ``limit`` characters (the
        last an ellipsis); the fragment left at the cut goes too when it starts a secret or a
        token (:func:`cut_end`)."""
        text = self.text(text)
        if len(text) <= limit:
            return text
        if limit <= 0:
            return ""
        return cut_end(text[: limit - 1], self.secrets).rstrip() + ELLIPSIS

    def may_hold_a_secret(self, raw: bytes) -> bool:
        """False when the raw JSON text surely holds no secret: none appears in it as it is,
        and it has no ``\\u`` escape that could spell one out."""
        if not self.secrets:
            return False
        if b"\\u" in raw:
            return True
        if self._raw_forms is None:
            forms = {
                f for s in self.secrets for f in (s, s.replace("/", "\\/"), json.dumps(s)[1:-1])
            }
            self._raw_forms = tuple(f.encode("utf-8", "replace") for f in forms)
        return any(form in raw for form in self._raw_forms)

    def deep(self, data: Any) -> Any:
        """A parsed JSON value with every secret taken out of every string in it (keys
        included). Iterative: nesting depth costs no stack."""
        if not self.secrets:
            return data
        root: list[Any] = [data]
        stack: list[tuple[Any, Any]] = [(root, 0)]
        while stack:
            container, key = stack.pop()
            value = container[key]
            if isinstance(value, str):
                container[key] = self.text(value)
            elif isinstance(value, list):
                stack.extend((value, i) for i in range(len(value)))
            elif isinstance(value, dict):
                clean = {self.text(k): v for k, v in value.items()}
                container[key] = clean
                stack.extend((clean, k) for k in clean)
        return root[0]

    def masked(self, text: str, form: Callable[[str], str]) -> str:
        """A finished sink: secrets out in their plain form and in the form ``form`` gives
        them there (escaped for markdown, say; see ``report.escape.rendered``)."""
        if not self.secrets:
            return text
        if form not in self._forms:
            variants = {v for s in self.secrets for v in (s, form(s)) if v}
            self._forms[form] = tuple(sorted(variants, key=len, reverse=True))
        for variant in self._forms[form]:
            if variant in text:
                text = text.replace(variant, MASK)
        return text
