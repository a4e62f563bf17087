"""Whose comment is ours, against the fake GitHub and GitLab over real HTTP: only one the token's
own account wrote. Anyone who can comment can write the marker; such a comment is never edited
and its state never read, in every ``comment`` mode, before or after ours; the log names its
author in one safe line. The token's account is asked once a job, within the step's time, and
when it cannot be told nothing is written or edited."""

from __future__ import annotations

import asyncio
import functools
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait.ci import github_api, gitlab_api, sticky
from testerarmy_wait.ci.forge import ForgeApi
from testerarmy_wait.ci.github import GitHubReporter
from testerarmy_wait.ci.gitlab import GitLabReporter
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.comment import Existing, comment_key, verdict_state
from testerarmy_wait.verdict import Verdict
from tests.ci.test_review import (
    PR,
    REPO,
    github_env,
    github_pr,
    gitlab_env,
    gitlab_mr,
    passing_verdict,
    run_tell,
)
from tests.fakes.forge import Comment, FakeForge
from tests.report.factories import checkout_verdict

MODES = ("always", "on-failure", "on-change", "off")
STRANGER = "mallory"
STRANGER_ID = 666
PAT_USER = {"login": "qa-bot", "type": "User", "id": 99}


@dataclass(frozen=True)
class Host:
    """One way the step meets a code host: GitHub with the job's token or with a personal
    token, GitLab with a project access token."""

    name: str

    @property
    def key_source(self) -> str:
        return "qa" if self.name == "gitlab" else "QA|qa|"  # the job, as the envs below name it

    @property
    def where(self) -> str:
        return "merge request !7" if self.name == "gitlab" else f"pull request #{PR}"

    @property
    def noun(self) -> str:
        return "note" if self.name == "gitlab" else "comment"

    def env(self, forge: FakeForge, tmp_path: Path) -> dict[str, str]:
        if self.name == "github-pat":
            forge.state.github_user = dict(PAT_USER)
        return gitlab_env(forge) if self.name == "gitlab" else github_env(forge, tmp_path)

    def seed(
        self, forge: FakeForge, body: str, *, author: str = STRANGER, author_id: int = STRANGER_ID
    ) -> int:
        if self.name == "gitlab":
            return forge.seed_notes("1234", 7, [body], author=author, author_id=author_id)[0]
        return forge.seed_comments(REPO, PR, [body], author=author, author_id=author_id)[0]

    def thread(self, forge: FakeForge) -> list[Comment]:
        return forge.notes("1234", 7) if self.name == "gitlab" else forge.comments(REPO, PR)


HOSTS = [Host("github"), Host("github-pat"), Host("gitlab")]


def forged(host: Host, verdict: Verdict, text: str = "PASS, merge away") -> str:
    """A comment carrying this job's marker and the state ``verdict`` would record."""
    key = comment_key(host.key_source)
    return f"<!-- testerarmy-wait comment key={key} state={verdict_state(verdict)} -->\n{text}"


def by_id(host: Host, forge: FakeForge, comment_id: int) -> Comment:
    [found] = [c for c in host.thread(forge) if c.id == comment_id]
    return found


def comment_writes(forge: FakeForge) -> list[str]:
    return [f"{r.method} {r.path}" for r in forge.writes() if "check-runs" not in r.path]


def stranger_line(host: Host, name: str = STRANGER) -> str:
    return (
        f"{host.where}: a comment by {name} carries this job's marker but was not written by "
        "this token: left alone and not read"
    )


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("stranger_first", [True, False], ids=["before-ours", "after-ours"])
def test_a_strangers_comment_with_our_marker_is_never_edited(
    forge: FakeForge, tmp_path: Path, host: Host, mode: str, stranger_first: bool
) -> None:
    env = host.env(forge, tmp_path)
    fake = forged(host, passing_verdict())
    if stranger_first:
        theirs = host.seed(forge, fake)
    assert run_tell(env, checkout_verdict())[1] == []  # ours, red
    if not stranger_first:
        theirs = host.seed(forge, fake)
    [ours] = [c for c in host.thread(forge) if c.id != theirs]
    assert "FAILED" in ours.body.split("\n", 2)[1]
    before = len(forge.requests)

    done, warnings = run_tell(env, passing_verdict(), "--comment", mode)

    assert warnings == []
    assert by_id(host, forge, theirs).body == fake
    assert len(host.thread(forge)) == 2
    assert not any(w.endswith(f"/{theirs}") for w in comment_writes(forge))
    if mode == "off":
        assert done == []
        assert len(forge.requests) == before
        assert "FAILED" in by_id(host, forge, ours.id).body.split("\n", 2)[1]
        return
    # Ours was red and the job passed: every mode but off turns it green, in place.
    assert done[0] == f"{host.where}: {host.noun} updated"
    assert "PASS" in by_id(host, forge, ours.id).body.split("\n", 2)[1]
    assert done[1:] == [stranger_line(host)]


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
@pytest.mark.parametrize(
    ("mode", "passes", "expected"),
    [
        ("always", True, "created"),
        ("always", False, "created"),
        ("on-change", True, "created"),  # the forged state equals ours: it must not be read
        ("on-change", False, "created"),
        ("on-failure", True, "left as it is (on-failure)"),  # no comment of ours to turn green
        ("on-failure", False, "created"),
    ],
)
def test_a_forged_state_in_a_strangers_comment_is_never_read(
    forge: FakeForge, tmp_path: Path, host: Host, mode: str, passes: bool, expected: str
) -> None:
    env = host.env(forge, tmp_path)
    verdict = passing_verdict() if passes else checkout_verdict()
    fake = forged(host, verdict)
    theirs = host.seed(forge, fake)

    done, warnings = run_tell(env, verdict, "--comment", mode)

    assert (done, warnings) == ([f"{host.where}: {host.noun} {expected}", stranger_line(host)], [])
    assert by_id(host, forge, theirs).body == fake
    writes = comment_writes(forge)
    assert len(writes) == (0 if expected.startswith("left") else 1)
    assert all(w.startswith("POST ") for w in writes)


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
def test_on_change_reads_the_state_of_our_own_comment_only(
    forge: FakeForge, tmp_path: Path, host: Host
) -> None:
    env = host.env(forge, tmp_path)
    assert run_tell(env, passing_verdict(), "--comment", "on-change")[0][0].endswith("created")
    host.seed(forge, forged(host, checkout_verdict(), "FAILED"))  # says the state changed
    done, _ = run_tell(env, passing_verdict(), "--comment", "on-change")
    assert done[0] == f"{host.where}: {host.noun} left as it is (on-change)"
    host.seed(forge, forged(host, checkout_verdict(), "FAILED"))
    done, _ = run_tell(env, checkout_verdict(), "--comment", "on-change")
    assert done[0] == f"{host.where}: {host.noun} updated"
    ours = [c for c in host.thread(forge) if c.author != STRANGER]
    assert len(ours) == 1
    assert "FAILED" in ours[0].body.split("\n", 2)[1]


def test_a_personal_token_does_not_take_the_actions_bots_comment(
    forge: FakeForge, tmp_path: Path
) -> None:
    """With a token of its own account the step's comments are that account's: one the job's
    ``GITHUB_TOKEN`` wrote (any workflow's) is someone else's."""
    host = Host("github-pat")
    env = host.env(forge, tmp_path)
    bots = host.seed(
        forge, forged(host, checkout_verdict()), author="github-actions[bot]", author_id=41898282
    )
    done, warnings = run_tell(env, checkout_verdict())
    assert (done, warnings) == (
        [f"{host.where}: comment created", stranger_line(host, "github-actions[bot]")],
        [],
    )
    mine = [c for c in host.thread(forge) if c.id != bots]
    assert [(c.author, c.author_type) for c in mine] == [("qa-bot", "User")]
    assert run_tell(env, passing_verdict())[0][0] == f"{host.where}: comment updated"


def test_a_user_cannot_pass_for_the_actions_bot(forge: FakeForge, tmp_path: Path) -> None:
    """The job's token writes as github-actions[bot], an account of type Bot: an account of
    another type with that name is someone else."""
    host = Host("github")
    env = host.env(forge, tmp_path)
    forge.seed_comments(
        REPO,
        PR,
        [forged(host, passing_verdict())],
        author="github-actions[bot]",
        author_type="User",
    )
    done, _ = run_tell(env, checkout_verdict())
    assert done == [
        f"{host.where}: comment created",
        stranger_line(host, "github-actions[bot]"),
    ]


def test_gitlab_tells_accounts_apart_by_id_not_only_name(forge: FakeForge) -> None:
    host = Host("gitlab")
    env = gitlab_env(forge)
    ours = forge.state.gitlab_user
    theirs = host.seed(
        forge, forged(host, passing_verdict()), author=ours["username"], author_id=ours["id"] + 1
    )
    done, _ = run_tell(env, passing_verdict(), "--comment", "on-change")
    assert done[0] == "merge request !7: note created"
    assert by_id(host, forge, theirs).body == forged(host, passing_verdict())


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
def test_the_tokens_account_is_asked_once_a_job(
    forge: FakeForge, tmp_path: Path, host: Host
) -> None:
    env = host.env(forge, tmp_path)
    for n in range(250):
        host.seed(forge, f"review comment {n}")
    extra = () if host.name == "gitlab" else ("--check-run", "true")
    for verdict in (checkout_verdict(), passing_verdict()):
        forge.state.requests.clear()
        assert run_tell(env, verdict, *extra)[1] == []
        asked = [r for r in forge.requests if r.path.endswith("/user")]
        assert len(asked) == 1
        assert forge.requests[0] is asked[0]  # before any comment is looked at


def virtual_time() -> Any:
    """A ``ForgeApi`` whose waits pass on a clock of its own, at once."""
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    return functools.partial(ForgeApi, sleep=sleep, clock=lambda: now[0])


def publish(
    host: Host, forge: FakeForge, tmp_path: Path, **kwargs: Any
) -> tuple[list[str], list[str]]:
    """The step, its retries waiting on a clock of their own."""
    env = host.env(forge, tmp_path)
    options: dict[str, Any] = {
        "mode": "always",
        "verdict": checkout_verdict(),
        "redactor": Redactor([forge.state.github_token, forge.state.gitlab_token]),
        "route": None,
        "api_factory": virtual_time(),
        **kwargs,
    }
    if host.name == "gitlab":
        mr = gitlab_mr(env)
        assert mr is not None
        return asyncio.run(gitlab_api.publish(mr, token=forge.state.gitlab_token, **options))
    pr = github_pr(env)
    options.setdefault("check_run", False)
    return asyncio.run(github_api.publish(pr, token=forge.state.github_token, **options))


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
@pytest.mark.parametrize(
    "failure",
    ["400", "404", "500-then-502", "429-past-the-budget", "no-account", "not-json"],
)
def test_when_the_account_cannot_be_told_nothing_is_written(
    forge: FakeForge, tmp_path: Path, host: Host, failure: str
) -> None:
    """Not knowing whom the token writes as, the step cannot tell its comment from a
    stranger's: it edits none and creates none, and says so in one warning."""
    host.env(forge, tmp_path)
    assert publish(host, forge, tmp_path)[1] == []  # a comment of ours already there
    forge.state.requests.clear()
    if failure == "no-account":
        forge.answer_next("GET", "/user$", b'{"id": 5}')
    elif failure == "not-json":
        forge.answer_next("GET", "/user$", b"<html>")
    elif failure == "429-past-the-budget":
        forge.fail_next("GET", "/user$", 429, headers={"Retry-After": "3600"})
    elif failure == "500-then-502":
        forge.fail_next("GET", "/user$", 500, times=3)
        forge.fail_next("GET", "/user$", 502, times=100)
    else:
        forge.fail_next("GET", "/user$", int(failure), times=100)
    checks = {} if host.name == "gitlab" else {"check_run": True}

    done, warnings = publish(host, forge, tmp_path, verdict=passing_verdict(), **checks)

    [warning] = warnings
    assert "could not tell which account the token writes as" in warning
    assert "\n" not in warning
    assert comment_writes(forge) == []
    assert next(r.path for r in forge.requests if r.method == "GET").endswith("/user")
    assert not any(
        r.path.endswith("/comments") or r.path.endswith("/notes") for r in forge.requests
    )
    if checks:
        [check] = done
        assert check.startswith("check run 'tester.army: Sign-up': success")
    [ours] = host.thread(forge)
    assert "FAILED" in ours.body.split("\n", 2)[1]


def test_a_rejected_token_is_still_one_warning_about_the_token(
    forge: FakeForge, tmp_path: Path
) -> None:
    for host in (Host("github"), Host("gitlab")):
        env = host.env(forge, tmp_path)
        env["INPUT_GITHUB-TOKEN"] = "ghp_" + "R" * 36
        env["TESTERARMY_GITLAB_TOKEN"] = "glpat-" + "R" * 20
        done, warnings = run_tell(env, checkout_verdict())
        assert done == []
        [warning] = warnings
        assert "HTTP 401" in warning
        assert ("github-token" if host.name == "github" else "api scope") in warning
        assert "RRRR" not in warning


def test_strangers_are_named_in_one_line_that_stays_text(forge: FakeForge, tmp_path: Path) -> None:
    host = Host("github")
    env = host.env(forge, tmp_path)
    token = forge.state.github_token
    hostile = f"eve\n::error title=x::pwned {token} \x1b[31m##[error]red"
    forge.seed_comments(REPO, PR, [forged(host, passing_verdict())], author=hostile)
    forge.seed_comments(REPO, PR, [forged(host, passing_verdict())] * 2, author=STRANGER)
    for n in range(4):
        forge.seed_comments(REPO, PR, [forged(host, passing_verdict())], author=f"user{n}")
    done, warnings = run_tell(env, passing_verdict())
    assert warnings == []
    created, named = done
    assert created == f"{host.where}: comment created"
    assert "\n" not in named
    assert "\x1b" not in named
    assert token not in named
    assert token[:4] not in named
    assert f", {STRANGER}, user0 and 3 more carry" in named  # each account once, three named
    assert named.startswith(f"{host.where}: comments by eve ::error")
    log = io.StringIO()
    github = GitHubReporter(log, Redactor([token]))
    github.begin([])
    log.truncate(0)  # after the add-mask line
    log.seek(0)
    github.note(named)
    gitlab_log = io.StringIO()
    gitlab = GitLabReporter(gitlab_log, Redactor([token]))
    gitlab.begin([])
    gitlab.note(named)
    for text in (log.getvalue(), gitlab_log.getvalue()):
        assert text.count("\n") == 1
        assert token not in text
        assert not text.lstrip().startswith("::")
        assert "\x1b[31m" not in text
    assert "##[" not in log.getvalue()  # the runner's old command form, broken up


def test_the_search_keeps_only_ids_authors_and_states() -> None:
    """What a page is read down to: no body beyond the marker, no field the search does not
    use."""
    thread = github_api._thread(
        github_api.PullRequest("https://x", "o/r", 1, "a" * 40, "k", ".github")
    )
    key = comment_key("k")
    state = "0" * 16
    body = f"<!-- testerarmy-wait comment key={key} state={state} -->\n{'x' * 60_000}"
    page = [
        {
            "id": 7,
            "body": body,
            "user": {"login": "me", "type": "User", "id": 3, "avatar_url": "u" * 1000},
            "reactions": {"+1": 1},
            "performed_via_github_app": {"owner": {"login": "other"}},
        },
        {"id": True, "body": body, "user": {"login": "me", "type": "User", "id": 3}},
        {"id": "../9", "body": body, "user": {"login": "me", "type": "User", "id": 3}},
        {"id": 8, "body": "no marker", "user": "me"},
        "not an object",
    ]
    raw = json.dumps(page).encode()
    listed = sticky.read_listing(raw, thread, key)
    assert listed == [
        sticky.Listed("7", sticky.Author("me", "User", "3"), state),
        sticky.Listed(None, sticky.Author("me", "User", "3"), state),
        sticky.Listed(None, sticky.Author("me", "User", "3"), state),
        sticky.Listed("8", None, None),
        sticky.Listed(None, None, None),  # not an object: still one of the page's entries
    ]
    me = sticky.Author("me", "User", "3")
    assert sticky.choose(listed, me) == sticky.Found(Existing("7", state))
    assert sticky.choose(listed, sticky.Author("ME", "User", "3")).ours is not None
    assert sticky.choose(listed, sticky.Author("me", "Bot")).ours is None
    assert sticky.choose(listed, sticky.Author("me", "User", "4")).strangers == ("me",) * 3
