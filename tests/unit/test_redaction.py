"""Secrets out of text, out of parsed answers (at any depth), and out of rendered sinks in their
escaped forms too."""

from __future__ import annotations

from testerarmy_wait.config import secrets_in
from testerarmy_wait.redaction import Redactor, redact
from testerarmy_wait.report.escape import md_text

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
    assert Redactor([KEY]).rendered(rendered) == "summary: *** and ***"


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
