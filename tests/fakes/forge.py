"""A stateful fake of the few GitHub and GitLab REST endpoints the review step uses, served
over real HTTP on 127.0.0.1 (reachable from host-network containers too).

GitHub under ``{url}/github`` (what ``GITHUB_API_URL`` points at): the token's account
(``GET /user``), list, create and edit issue comments; create and edit check runs; the pull
requests holding a commit (``seed_commit_pulls``).
GitLab under ``{url}/gitlab/api/v4`` (what ``CI_API_V4_URL`` points at): the token's account
(``GET /user``), list, create and edit merge-request notes.

Like the real services it checks the token (401), names every comment's author (``user:
{login, type, id}`` on GitHub, ``author: {id, username}`` on GitLab), answers ``GET /user``
with 403 for GitHub's installation tokens (the job's ``GITHUB_TOKEN``, whose comments are
github-actions[bot]'s) unless ``github_user`` gives the token an account, pages lists
(``per_page``/``page``, with a ``Link`` header on GitHub), answers 404 for a comment that was
deleted, refuses more than 50 annotations a request and comment bodies over 65,536 characters
(422). Tests script the rest: ``read_only`` (a fork's token: 403 on every write),
``fail_next(method, pattern, status, headers, times, message)`` for 429 with Retry-After, 5xx
and what the server says then, ``answer_next`` for a raw body of the test's own, and
``seed_comments``/``seed_notes`` for comments already there. Every request is kept in
``requests``.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GITHUB_COMMENT_MAX = 65_536
GITLAB_NOTE_MAX = 1_000_000
ANNOTATIONS_MAX = 50
#: How the job's ``GITHUB_TOKEN`` writes on GitHub.com (it may not ask ``GET /user``).
ACTIONS_BOT = {"login": "github-actions[bot]", "type": "Bot", "id": 41898282}


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    times: int
    payload: Any = None
    raw: bytes | None = None  # sent as it is, instead of the payload's JSON


@dataclass
class Comment:
    id: int
    body: str
    author: str = "github-actions[bot]"
    author_type: str = "Bot"
    author_id: int = 41898282


@dataclass
class CheckRun:
    id: int
    fields: dict[str, Any]
    annotations: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 1


@dataclass
class ForgeState:
    github_token: str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"  # 40 characters
    gitlab_token: str = "glpat-Xq7bK2mN9pR4sT6vW8yZ"  # 26 characters
    #: The GitHub token's account; None: an installation token (403 on ``GET /user``).
    github_user: dict[str, Any] | None = None
    gitlab_user: dict[str, Any] = field(
        default_factory=lambda: {"id": 501, "username": "project_1234_bot_7f3a"}
    )
    read_only: bool = False
    comments: dict[tuple[str, int], list[Comment]] = field(default_factory=dict)
    notes: dict[tuple[str, int], list[Comment]] = field(default_factory=dict)
    check_runs: list[CheckRun] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    next_id: int = 1000
    #: (repository, commit) -> the pull requests that hold the commit, as GitHub lists them.
    commit_pulls: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Raw:
    """A body sent as it is."""

    body: bytes


class FakeForge:
    """The fake, started with ``with FakeForge() as forge:`` (or ``start``/``stop``)."""

    def __init__(self) -> None:
        self.state = ForgeState()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.forge = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def github_url(self) -> str:
        return f"{self.url}/github"

    @property
    def gitlab_url(self) -> str:
        return f"{self.url}/gitlab/api/v4"

    def start(self) -> FakeForge:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeForge:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------- scripting
    def fail_next(
        self,
        method: str,
        pattern: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        message: str | None = None,
    ) -> None:
        """The next ``times`` requests ``method`` to a path matching ``pattern`` get
        ``status``, the server saying ``message``."""
        payload = {"message": f"fault {status}" if message is None else message}
        with self._lock:
            self.state.faults.append(
                Fault(method, re.compile(pattern), status, headers or {}, times, payload)
            )

    def answer_next(
        self,
        method: str,
        pattern: str,
        raw: bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` requests ``method`` to a path matching ``pattern`` get ``raw`` as
        their body (``headers`` say how it is encoded)."""
        with self._lock:
            self.state.faults.append(
                Fault(method, re.compile(pattern), status, headers or {}, times, raw=raw)
            )

    def seed_comments(
        self,
        repository: str,
        number: int,
        bodies: list[str],
        *,
        author: str = "someone",
        author_type: str = "User",
        author_id: int = 7,
    ) -> list[int]:
        """Comments already on the pull request (other people's, or ours from before)."""
        with self._lock:
            found = self.state.comments.setdefault((repository, number), [])
            return [self._add(found, body, author, author_type, author_id) for body in bodies]

    def seed_commit_pulls(self, repository: str, sha: str, pulls: list[dict[str, Any]]) -> None:
        """The pull requests GitHub lists for a commit (``number``, ``state``, ``head``...)."""
        with self._lock:
            self.state.commit_pulls[(repository, sha)] = pulls

    def seed_notes(
        self,
        project: str,
        iid: int,
        bodies: list[str],
        *,
        author: str = "someone",
        author_id: int = 7,
    ) -> list[int]:
        """Notes already on the merge request (other people's, or ours from before)."""
        with self._lock:
            found = self.state.notes.setdefault((project, iid), [])
            return [self._add(found, body, author, "User", author_id) for body in bodies]

    def _add(
        self, items: list[Comment], body: str, author: str, author_type: str, author_id: int
    ) -> int:
        self.state.next_id += 1
        items.append(Comment(self.state.next_id, body, author, author_type, author_id))
        return self.state.next_id

    def comments(self, repository: str, number: int) -> list[Comment]:
        with self._lock:
            return list(self.state.comments.get((repository, number), []))

    def notes(self, project: str, iid: int) -> list[Comment]:
        with self._lock:
            return list(self.state.notes.get((project, iid), []))

    @property
    def check_runs(self) -> list[CheckRun]:
        with self._lock:
            return list(self.state.check_runs)

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self.state.requests)

    def writes(self) -> list[Received]:
        return [r for r in self.requests if r.method != "GET"]

    # -------------------------------------------------------------- answering
    def answer(self, request: Received) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.state.requests.append(request)
            for fault in self.state.faults:
                hit = fault.method == request.method and fault.pattern.search(request.path)
                if fault.times > 0 and hit:
                    fault.times -= 1
                    return (
                        fault.status,
                        fault.headers,
                        (Raw(fault.raw) if fault.raw is not None else fault.payload),
                    )
            if request.path.startswith("/github/"):
                return self._github(request, request.path.removeprefix("/github"))
            if request.path.startswith("/gitlab/api/v4/"):
                return self._gitlab(request, request.path.removeprefix("/gitlab/api/v4"))
            return 404, {}, {"message": "Not Found"}

    def _github(self, request: Received, path: str) -> tuple[int, dict[str, str], Any]:
        if request.headers.get("authorization") != f"Bearer {self.state.github_token}":
            return 401, {}, {"message": "Bad credentials"}
        if request.method != "GET" and self.state.read_only:
            return 403, {}, {"message": "Resource not accessible by integration"}
        user = self.state.github_user
        if path == "/user" and request.method == "GET":
            if user is None:
                return 403, {}, {"message": "Resource not accessible by integration"}
            return 200, {}, user
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", path):
            key = (m[1], int(m[2]))
            if request.method == "GET":
                return self._page(self.state.comments.get(key, []), request, m[0])
            if request.method == "POST":
                return self._create(
                    self.state.comments.setdefault(key, []),
                    request,
                    GITHUB_COMMENT_MAX,
                    user or ACTIONS_BOT,
                )
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path)) and (
            request.method == "PATCH"
        ):
            return self._edit(self.state.comments, int(m[1]), request, GITHUB_COMMENT_MAX)
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path)) and (
            request.method == "GET"
        ):
            return self._one(self.state.comments, int(m[1]), github=True)
        if (m := re.fullmatch(r"/repos/([^/]+/[^/]+)/commits/([^/]+)/pulls", path)) and (
            request.method == "GET"
        ):
            return 200, {}, self.state.commit_pulls.get((m[1], m[2]), [])
        if re.fullmatch(r"/repos/[^/]+/[^/]+/check-runs", path) and request.method == "POST":
            return self._check_run(None, request)
        if (m := re.fullmatch(r"/repos/[^/]+/[^/]+/check-runs/(\d+)", path)) and (
            request.method == "PATCH"
        ):
            return self._check_run(int(m[1]), request)
        return 404, {}, {"message": "Not Found"}

    def _gitlab(self, request: Received, path: str) -> tuple[int, dict[str, str], Any]:
        if request.headers.get("private-token") != self.state.gitlab_token:
            return 401, {}, {"message": "401 Unauthorized"}
        if path == "/user" and request.method == "GET":
            return 200, {}, {**self.state.gitlab_user, "name": "testerarmy bot", "bot": True}
        if m := re.fullmatch(r"/projects/([^/]+)/merge_requests/(\d+)/notes", path):
            key = (m[1], int(m[2]))
            if request.method == "GET":
                return self._page(self.state.notes.get(key, []), request, None)
            if request.method == "POST":
                user = self.state.gitlab_user
                return self._create(
                    self.state.notes.setdefault(key, []),
                    request,
                    GITLAB_NOTE_MAX,
                    {"login": user["username"], "type": "User", "id": user["id"]},
                )
        if (m := re.fullmatch(r"/projects/[^/]+/merge_requests/\d+/notes/(\d+)", path)) and (
            request.method == "PUT"
        ):
            return self._edit(self.state.notes, int(m[1]), request, GITLAB_NOTE_MAX)
        if (m := re.fullmatch(r"/projects/[^/]+/merge_requests/\d+/notes/(\d+)", path)) and (
            request.method == "GET"
        ):
            return self._one(self.state.notes, int(m[1]), github=False)
        return 404, {}, {"message": "404 Not found"}

    def _one(
        self, threads: dict[tuple[str, int], list[Comment]], comment_id: int, *, github: bool
    ) -> tuple[int, dict[str, str], Any]:
        for items in threads.values():
            for c in items:
                if c.id == comment_id and github:
                    user = {"login": c.author, "type": c.author_type, "id": c.author_id}
                    return 200, {}, {"id": c.id, "body": c.body, "user": user}
                if c.id == comment_id:
                    author = {"id": c.author_id, "username": c.author}
                    return 200, {}, {"id": c.id, "body": c.body, "author": author}
        return 404, {}, {"message": "Not Found"}

    def _page(
        self, items: list[Comment], request: Received, link_path: str | None
    ) -> tuple[int, dict[str, str], Any]:
        per_page = min(100, max(1, int(request.query.get("per_page", "30"))))
        page = max(1, int(request.query.get("page", "1")))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers: dict[str, str] = {}
        if link_path is not None and page * per_page < len(items):
            next_url = f"{self.github_url}{link_path}?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{next_url}>; rel="next"'
        if link_path is not None:  # GitHub
            body = [
                {
                    "id": c.id,
                    "body": c.body,
                    "user": {"login": c.author, "type": c.author_type, "id": c.author_id},
                }
                for c in chunk
            ]
        else:
            body = [
                {"id": c.id, "body": c.body, "author": {"id": c.author_id, "username": c.author}}
                for c in chunk
            ]
        return 200, headers, body

    def _body(self, request: Received, limit: int) -> str | None:
        body = request.body.get("body") if isinstance(request.body, dict) else None
        if not isinstance(body, str) or not body or len(body) > limit:
            return None
        return body

    def _create(
        self, items: list[Comment], request: Received, limit: int, author: dict[str, Any]
    ) -> tuple[int, dict[str, str], Any]:
        body = self._body(request, limit)
        if body is None:
            return 422, {}, {"message": "Validation Failed"}
        self._add(items, body, author["login"], author["type"], author["id"])
        return 201, {}, {"id": self.state.next_id, "body": body}

    def _edit(
        self,
        threads: dict[tuple[str, int], list[Comment]],
        comment_id: int,
        request: Received,
        limit: int,
    ) -> tuple[int, dict[str, str], Any]:
        body = self._body(request, limit)
        for items in threads.values():
            for comment in items:
                if comment.id == comment_id:
                    if body is None:
                        return 422, {}, {"message": "Validation Failed"}
                    comment.body = body
                    return 200, {}, {"id": comment_id, "body": body}
        return 404, {}, {"message": "Not Found"}

    def _check_run(
        self, check_id: int | None, request: Received
    ) -> tuple[int, dict[str, str], Any]:
        fields = request.body if isinstance(request.body, dict) else {}
        output = fields.get("output") if isinstance(fields.get("output"), dict) else {}
        annotations = output.get("annotations", []) if isinstance(output, dict) else []
        if not isinstance(annotations, list) or len(annotations) > ANNOTATIONS_MAX:
            return 422, {}, {"message": "Only 50 annotations are allowed per request"}
        if check_id is None:
            if not fields.get("name") or not fields.get("head_sha"):
                return 422, {}, {"message": "Validation Failed"}
            self.state.next_id += 1
            run = CheckRun(self.state.next_id, dict(fields), list(annotations))
            self.state.check_runs.append(run)
            return 201, {}, {"id": run.id, "name": fields["name"]}
        for run in self.state.check_runs:
            if run.id == check_id:
                run.fields.update({k: v for k, v in fields.items() if k != "output"})
                run.annotations += annotations
                run.requests += 1
                return 200, {}, {"id": run.id}
        return 404, {}, {"message": "Not Found"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = Received(
            method=self.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        forge: FakeForge = self.server.forge  # type: ignore[attr-defined]
        status, headers, payload = forge.answer(request)
        data = payload.body if isinstance(payload, Raw) else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = _serve
