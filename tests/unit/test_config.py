"""Settings: sources, precedence and one clear sentence for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from testerarmy_wait.ci_context import read_ci_context
from testerarmy_wait.config import (
    DEFAULT_API_URL,
    Settings,
    UsageError,
    secrets_in,
)
from testerarmy_wait.config import (
    load_settings as load_settings_in,
)
from testerarmy_wait.parsers import parse_duration, parse_run_ids
from testerarmy_wait.policy import Result

A = "3f2a9c1e-1111-4aaa-8bbb-000000000001"
B = "a81b07d4-2222-4ccc-9ddd-000000000002"
KEY = "sk_test_123"


def load_settings(argv: list[str], env: dict[str, str]) -> Settings:
    return load_settings_in(argv, read_ci_context(env))


def load(argv: list[str] | None = None, **env: str) -> Settings:
    return load_settings(argv or [], {"TESTERARMY_API_KEY": KEY, **env})


def test_action_inputs_keep_hyphens_and_are_trimmed() -> None:
    s = load_settings([], {"INPUT_RUN-ID": f"  {A}\n\n{B}\n", "INPUT_API-KEY": f" {KEY} "})
    assert s.run_ids == (A, B)
    assert s.api_key == KEY
    assert s.api_url == DEFAULT_API_URL


def test_run_ids_split_on_newline_comma_space_and_deduplicate() -> None:
    assert parse_run_ids(f"{A}, {B}\n{A} ") == (A, B)


@pytest.mark.parametrize("bad", ["123", "not-a-uuid", A.upper().replace("-", ""), A + "0"])
def test_bad_run_id_is_a_usage_error_naming_the_value(bad: str) -> None:
    with pytest.raises(UsageError, match="run-id: .* is not a run id"):
        load(["--run-id", bad])


def test_flag_beats_input_beats_env() -> None:
    env = {"TESTERARMY_TIMEOUT": "10", "INPUT_TIMEOUT": "20", "TESTERARMY_RUN_ID": A}
    assert load([], **env).timeout_s == 20
    assert load(["--timeout", "30"], **env).timeout_s == 30


def test_empty_input_counts_as_unset() -> None:
    s = load([], TESTERARMY_RUN_ID=A, INPUT_TIMEOUT="  ", TESTERARMY_TIMEOUT="5m")
    assert s.timeout_s == 300


def test_missing_run_id_and_missing_key_name_what_to_set() -> None:
    with pytest.raises(UsageError, match="run-id: no run to wait for"):
        load_settings([], {"TESTERARMY_API_KEY": KEY})
    with pytest.raises(UsageError, match="api-key: missing; set the api-key input"):
        load_settings(["--run-id", A], {})


def test_there_is_no_api_key_flag() -> None:
    with pytest.raises(UsageError, match="unrecognized arguments: --api-key"):
        load_settings(["--run-id", A, "--api-key", KEY], {})


def test_key_with_a_newline_is_refused_and_not_echoed() -> None:
    with pytest.raises(UsageError) as info:
        load_settings(["--run-id", A], {"TESTERARMY_API_KEY": "sk_a\nb"})
    assert "sk_a" not in str(info.value)


def test_key_without_sk_prefix_is_accepted_with_a_note() -> None:
    s = load_settings(["--run-id", A], {"TESTERARMY_API_KEY": "abc"})
    assert s.notes
    assert "sk_" in s.notes[0]
    assert "abc" not in repr(s)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://tester.army/api/", True),
        ("http://127.0.0.1:8080/api", True),
        ("http://localhost:1/api", True),
        ("http://[::1]:1/api", True),
        ("http://tester.army/api", False),
        ("ftp://tester.army/api", False),
        ("https://user:pw@tester.army/api", False),
        ("tester.army/api", False),
    ],
)
def test_api_url_needs_https_except_loopback(url: str, ok: bool) -> None:
    if ok:
        assert load(["--run-id", A, "--api-url", url]).api_url == url.rstrip("/")
    else:
        with pytest.raises(UsageError, match="^api-url: "):
            load(["--run-id", A, "--api-url", url])


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("0.5", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "timeout") == seconds


@pytest.mark.parametrize("text", ["0", "-1", "abc", "10d", "25h", "m"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="^timeout: "):
        parse_duration(text, "timeout")


def test_fail_on_and_min_severity() -> None:
    s = load(["--run-id", A, "--fail-on", "failed, skipped", "--min-severity", "3"])
    assert s.policy.fail_on == {Result.FAILED, Result.SKIPPED}
    assert s.policy.min_severity == 3
    assert load(["--run-id", A, "--fail-on", "none"]).policy.fail_on == set()
    with pytest.raises(UsageError, match="fail-on: 'BOGUS' is not a result"):
        load(["--run-id", A, "--fail-on", "bogus"])
    with pytest.raises(UsageError, match="min-severity: '7' is not a severity"):
        load(["--run-id", A, "--min-severity", "7"])


def test_run_url_needs_id_placeholder() -> None:
    with pytest.raises(UsageError, match=r"run-url: must contain \{id\}"):
        load(["--run-id", A, "--run-url", "https://app.example/runs/"])
    s = load(["--run-id", A, "--run-url", "https://app.example/runs/{id}"])
    assert s.run_url == "https://app.example/runs/{id}"


def test_reports_go_under_the_workspace(tmp_path: Path) -> None:
    s = load(["--run-id", A], GITHUB_WORKSPACE=str(tmp_path))
    assert s.report_dir == tmp_path / "testerarmy-reports"
    s = load(["--run-id", A, "--report-dir", "out"], CI_PROJECT_DIR=str(tmp_path))
    assert s.report_dir == tmp_path / "out"


def test_comment_settings_are_read_and_checked() -> None:
    run = ["--run-id", A]
    s = load([*run, "--comment", "on-change", "--comment-key", "nightly", "--check-run", "true"])
    assert (s.comment, s.comment_key, s.check_run) == ("on-change", "nightly", True)
    assert (load(run).comment, load(run).check_run) == ("always", False)
    with pytest.raises(UsageError, match="comment"):
        load([*run, "--comment", "sometimes"])


def test_code_host_tokens_are_secrets_from_inputs_variables_and_stray_flags() -> None:
    env = {"INPUT_GITHUB-TOKEN": "ghs_from_input", "TESTERARMY_GITLAB_TOKEN": "glpat-from-env"}
    found = secrets_in(env, ["--github-token=ghs_on_argv", "--gitlab-token", "glpat-on-argv"])
    assert set(found) >= {"ghs_from_input", "glpat-from-env", "ghs_on_argv", "glpat-on-argv"}
    s = load(["--run-id", A], **{"INPUT_GITHUB-TOKEN": "ghs_from_input"})
    assert s.github_token == "ghs_from_input"
    assert "ghs_from_input" not in repr(s)
