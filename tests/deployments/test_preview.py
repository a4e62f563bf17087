"""Deciding what was deployed: deployment_status events of every state, environment
filters, missing fields, and URLs that must never be probed."""

from __future__ import annotations

from typing import Any

import pytest

from testerarmy_wait.errors import UsageError
from testerarmy_wait.parsers import (
    parse_environment_patterns,
    parse_ready_header,
    parse_ready_status,
    parse_ready_timeout,
)
from testerarmy_wait.preview import Deployment, Skip, check_target_url, deployment_from_event

SHA = "a" * 40


def event(
    state: str = "success",
    environment: str = "Preview",
    environment_url: str | None = "https://shop-git-fix.vercel.app",
    target_url: str | None = "https://vercel.com/logs/123",
    sha: str | None = SHA,
) -> dict[str, Any]:
    status: dict[str, Any] = {"state": state, "environment": environment}
    if environment_url is not None:
        status["environment_url"] = environment_url
    if target_url is not None:
        status["target_url"] = target_url
    deployment: dict[str, Any] = {"environment": environment, "ref": "fix"}
    if sha is not None:
        deployment["sha"] = sha
    return {"deployment_status": status, "deployment": deployment}


def test_a_successful_deployment_is_tested_at_its_environment_url() -> None:
    assert deployment_from_event(event(), ()) == Deployment(
        "https://shop-git-fix.vercel.app", SHA, "Preview"
    )


def test_without_an_environment_url_the_target_url_is_tested() -> None:
    decided = deployment_from_event(event(environment_url=None), ())
    assert isinstance(decided, Deployment)
    assert decided.target_url == "https://vercel.com/logs/123"


@pytest.mark.parametrize(
    "state", ["pending", "in_progress", "queued", "failure", "error", "inactive", "weird"]
)
def test_every_state_but_success_is_skipped_with_one_line_naming_it(state: str) -> None:
    decided = deployment_from_event(event(state=state), ())
    assert isinstance(decided, Skip)
    assert f"'{state}'" in decided.reason
    assert "'Preview'" in decided.reason
    assert "\n" not in decided.reason


@pytest.mark.parametrize(
    ("patterns", "environment", "tested"),
    [
        ("Preview", "Preview", True),
        ("Preview", "preview", False),  # names are compared as GitHub shows them
        ("Preview*", "Preview – shop", True),
        ("Production – *", "Preview – shop", False),
        ("Production, Preview*", "Preview – shop", True),
        ("staging\nPreview", "Preview", True),
        ("shop-?", "shop-1", True),
    ],
)
def test_deployment_environment_chooses_names_and_patterns(
    patterns: str, environment: str, tested: bool
) -> None:
    chosen = parse_environment_patterns(patterns, "deployment-environment")
    decided = deployment_from_event(event(environment=environment), chosen)
    assert isinstance(decided, Deployment) is tested
    if not tested:
        assert isinstance(decided, Skip)
        assert "deployment-environment" in decided.reason


@pytest.mark.parametrize(
    ("broken", "names"),
    [
        ({}, "target-url and commit-sha"),
        ({"deployment_status": "success"}, "target-url and commit-sha"),
        (event(environment_url=None, target_url=None), "set target-url"),
        (event(sha=None), "set commit-sha"),
    ],
)
def test_an_event_lacking_fields_names_what_to_set_instead(
    broken: dict[str, Any], names: str
) -> None:
    with pytest.raises(UsageError) as raised:
        deployment_from_event(broken, ())
    assert names in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://preview.example", "not an http(s) URL"),
        ("https://user:hunter2@preview.example", "credentials"),
        ("http://169.254.169.254/latest/meta-data/", "link-local or cloud-metadata"),
        ("http://169.254.10.1/", "link-local or cloud-metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "link-local or cloud-metadata"),
        ("http://[fe80::1]/", "link-local or cloud-metadata"),
        ("http://[::ffff:169.254.169.254]/", "link-local or cloud-metadata"),
        ("http://[::1", "not an http(s) URL"),
    ],
)
def test_urls_that_must_not_be_probed_are_usage_errors(url: str, why: str) -> None:
    with pytest.raises(UsageError) as raised:
        check_target_url(url, "target-url")
    assert why in str(raised.value)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/", "http://localhost:3000", "https://preview.example/x"]
)
def test_loopback_and_public_urls_are_accepted(url: str) -> None:
    assert check_target_url(url, "target-url") == url


def test_a_deployment_url_that_points_at_metadata_is_refused() -> None:
    with pytest.raises(UsageError, match="link-local or cloud-metadata"):
        deployment_from_event(event(environment_url="http://169.254.169.254/"), ())


def test_ready_status_reads_codes_and_ranges() -> None:
    assert parse_ready_status("200-399", "ready-status") == ((200, 399),)
    assert parse_ready_status("200, 204 301-308", "ready-status") == (
        (200, 200),
        (204, 204),
        (301, 308),
    )
    for bad in ("", "2xx", "399-200", "99", "200-600", "abc"):
        with pytest.raises(UsageError, match="ready-status"):
            parse_ready_status(bad, "ready-status")


def test_ready_header_is_a_name_and_a_value() -> None:
    assert parse_ready_header(" x-vercel-protection-bypass: s3cr3t ", "ready-header") == (
        "x-vercel-protection-bypass",
        "s3cr3t",
    )
    for bad in ("no colon", ": value", "x-bad header: v", "Host: evil", "x-a:"):
        with pytest.raises(UsageError) as raised:
            parse_ready_header(bad, "ready-header")
        assert "ready-header" in str(raised.value)


def test_ready_timeout_zero_turns_the_gate_off() -> None:
    assert parse_ready_timeout("0", "ready-timeout") == 0.0
    assert parse_ready_timeout("2m", "ready-timeout") == 120.0
    with pytest.raises(UsageError):
        parse_ready_timeout("soon", "ready-timeout")
    with pytest.raises(UsageError):
        parse_environment_patterns(" , \n", "deployment-environment")


def test_an_unreadable_deployment_event_names_the_inputs_to_set(tmp_path: Any) -> None:
    from testerarmy_wait.ci_context import read_ci_context
    from testerarmy_wait.config import read_inputs, under_test

    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "deployment_status",
        "GITHUB_EVENT_PATH": str(tmp_path / "missing.json"),
    }
    context = read_ci_context(env)
    inputs, _ = read_inputs([], context.settings_env)
    with pytest.raises(UsageError) as raised:
        under_test(inputs, context)
    message = str(raised.value)
    assert "cannot be read" in message
    assert "set target-url and commit-sha instead" in message
    explicit, _ = read_inputs(["--target-url", "https://preview.example"], {})
    assert under_test(explicit, context) == (explicit, None, [])  # an explicit URL wins
