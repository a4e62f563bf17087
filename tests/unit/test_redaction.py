"""Secrets out of text, out of parsed answers (at any depth), and out of rendered sinks in their
escaped forms too; text cut only once its secrets are out, and no start of a secret or of a
token left at any cut."""

from __future__ import annotations

import pytest

from testerarmy_wait.baseline.writer import Reported, entry_for
from testerarmy_wait.config import secrets_in
from testerarmy_wait.models import Issue, Run
from testerarmy_wait.policy import Policy
from testerarmy_wait.redaction import (
    ELLIPSIS,
    MASK,
    MIN_PREFIX_CHARS,
    Redactor,
    cut,
    cut_end,
    redact,
)
from testerarmy_wait.report.escape import cap, md_text, one_line, terminal_text
from testerarmy_wait.report.escape import rendered as escaped_out
from testerarmy_wait.verdict import classify_run

KEY = "sk_live_abcdef123456"


def test_text_and_messages_lose_the_secret_and_key_like_words_only() -> None:
    redactor = Redactor([KEY])
    assert redactor.text(f"key {KEY}!") == "key ***!"
    assert redactor.message("typed sk_other_key99 by mistake") == "typed sk_*** by mistake"
    assert redactor.message("ask_me about desk_lamps") == "ask_me about desk_lamps"


def test_deep_walks_any_depth_without_recursion() -> None:
    nested: object = KEY
    for _ in range(50_000):
        nested = [nested]
    clean = Redactor([KEY]).deep({KEY: nested, "x": [{"y": f"a{KEY}b"}]})
    assert clean["x"][0]["y"] == "a***b"
    bottom = clean["***"]
    while isinstance(bottom, list):
        bottom = bottom[0]
    assert bottom == "***"


def test_rendered_text_loses_the_markdown_escaped_form() -> None:
    rendered = f"summary: {md_text(KEY)} and {KEY}"
    assert escaped_out(Redactor([KEY]), rendered) == "summary: *** and ***"


def test_short_values_are_not_searched_for() -> None:
    assert Redactor(["abc"]).text("abcabc") == "abcabc"


def test_secrets_come_from_the_key_the_webhook_and_key_like_argv() -> None:
    env = {
        "INPUT_API-KEY": KEY,
        "TESTERARMY_GROUP_WEBHOOK_URL": "https://tester.army/api/v1/groups/webhook/id/s3cr3tpart",
    }
    found = secrets_in(env, ["--run-id", "x", "--api-key=sk_on_the_command_line"])
    assert KEY in found
    assert "s3cr3tpart" in found
    assert "sk_on_the_command_line" in found
    assert redact(f"a {KEY} b", found) == "a *** b"


# ----------------------------------------------------------------------------- cuts

GITHUB_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"  # 40 characters
GITLAB_TOKEN = "glpat-Xq7bK2mN9pR4sT6vW8yZ"  # 26 characters
SHAPES = ("sk_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-")


def leaked(secret: str, text: str) -> str | None:
    """Any ``MIN_PREFIX_CHARS`` characters of ``secret`` in a row found in ``text``."""
    for start in range(len(secret) - MIN_PREFIX_CHARS + 1):
        if secret[start : start + MIN_PREFIX_CHARS] in text:
            return secret[start : start + MIN_PREFIX_CHARS]
    return None


def around(token: str, offsets: range = range(251)) -> list[tuple[int, str]]:
    return [(n, "." * n + token + " was quoted by the server") for n in offsets]


@pytest.mark.parametrize("token", [GITHUB_TOKEN, GITLAB_TOKEN])
@pytest.mark.parametrize("limit", [60, 200])
def test_a_secret_is_taken_out_before_the_text_is_cut(token: str, limit: int) -> None:
    redactor = Redactor([token])
    for offset, text in around(token):
        out = redactor.cut(text, limit)
        assert len(out) <= limit
        assert leaked(token, out) is None, (offset, out)
        whole = text.replace(token, MASK)
        assert out == (whole if len(whole) <= limit else out[:-1] + ELLIPSIS)


@pytest.mark.parametrize("token", [GITHUB_TOKEN, GITLAB_TOKEN])
def test_the_start_of_a_known_secret_left_at_a_cut_goes(token: str) -> None:
    """Whatever its shape: text quoting only the start of a secret, cut inside it."""
    for length in range(1, len(token)):
        fragment = token[:length]
        out = cut_end(f"the key {fragment}", [token])
        assert out == (f"the key {MASK}" if length >= MIN_PREFIX_CHARS else f"the key {fragment}")
    webhook = "s3cr3t-webhook-part"
    assert cut_end("id s3cr3t-w", [webhook]) == f"id {MASK}"
    assert cut_end("id s3c", [webhook]) == "id s3c"  # three characters: too common to mean it
    assert cut_end("abcds3cr", [webhook]) == f"abcd{MASK}"  # not only at a word's start


def shown_in_part(token: str, shape: str, out: str) -> bool:
    """Whether ``out`` shows some of the token's own characters, but not all of them."""
    return token not in out and token[: len(shape) + 1] in out


@pytest.mark.parametrize("shape", SHAPES)
def test_a_token_of_a_known_shape_cut_in_two_goes_without_being_known(shape: str) -> None:
    """No secret is known here (the verdict's reasons, the escaping layer): a token of a known
    shape is found by its shape. Whole, it is not ours (ours were taken out when the answer
    was parsed); cut, no character of it after its public prefix is left."""
    token = shape + "Q1w2E3r4T5y6U7i8O9p0"
    for offset, text in around(token, range(40)):
        for limit in range(1, 45):
            out = cut(text, limit)
            assert not shown_in_part(token, shape, out), (offset, limit, out)


def test_words_that_only_look_like_a_token_start_stay() -> None:
    assert cut_end("see task_") == "see task_"
    assert cut_end("push to github") == "push to github"
    assert cut_end("gh_pages") == "gh_pages"
    assert cut_end("a glpat") == "a glpat"  # the public prefix, not yet any of the token
    assert cut_end("x-ghs_1") == f"x-{MASK}"
    assert cut("a " * 10, 8) == "a a a a…"


def test_every_cut_of_server_text_leaves_no_token_start() -> None:
    """The escaping layer cuts (``cap``, ``one_line``, ``md_text``, ``terminal_text``, and the
    cut made before cleaning), as do the verdict's reasons and the baseline's entries: none
    leaves the start of a token at the cut."""
    token = "ghs_" + "Z" * 36
    for offset, text in around(token):
        for limit in (60, 200):
            shown = [
                cap(text, limit),
                one_line(text, limit),
                md_text(text, limit).replace("&#95;", "_"),
                terminal_text(text, limit=limit),
                terminal_text(text, multiline=True, limit=limit),
            ]
            for out in shown:
                assert not shown_in_part(token, "ghs_", out), (offset, limit, out)
    # Cleaning removes characters after the first cut: the end of that cut is what is shown.
    hidden = "\x07" * 280 + token  # cut at 4 x 10 + 256 = 296 characters, then cleaned
    assert one_line(hidden, 10) == MASK + ELLIPSIS
    assert terminal_text(hidden, multiline=True, limit=10) == MASK + ELLIPSIS


def test_the_verdict_and_the_baseline_cut_after_no_token_start() -> None:
    token = "glpat-" + "Z" * 20
    for offset, text in around(token, range(440, 520)):
        run = Run.model_validate(
            {"id": "r", "status": "failed", "error": {"code": "E", "message": text}}
        )
        _result, reason = classify_run(run, Policy())
        assert not shown_in_part(token, "glpat-", reason), (offset, reason)
        issue = Issue.model_validate({"name": text[:300], "description": text, "severity": 3})
        entry = entry_for(Reported(None, "f", issue), scope="any", reason=None, expires=None)
        assert not shown_in_part(token, "glpat-", f"{entry.description}"), offset
