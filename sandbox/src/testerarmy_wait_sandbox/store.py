"""Run state: records, their timeline on the clock, history and paging.

A run's status is not stored: ``run_view`` derives it from the record and the
current sandbox time, so a run moves ``queued`` -> ``running`` -> terminal by
itself as the clock advances.
"""

from __future__ import annotations

import base64
import binascii
import random
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from testerarmy_wait.errors import TesterArmyWaitError

from .catalog import builtin_scenario
from .clock import isoformat
from .scenarios import JSONObject, Scenario

RUN_STATUSES = ("queued", "running", "completed", "failed", "cancelled")
TERMINAL = frozenset({"completed", "failed", "cancelled"})


class IdFactory:
    """UUIDs: random (uuid4), or a reproducible sequence when seeded."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = None if seed is None else random.Random(seed)  # noqa: S311 - ids, not secrets
        self._lock = threading.Lock()

    def new(self) -> str:
        if self._rng is None:
            return str(uuid.uuid4())
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


@dataclass
class RunRecord:
    """What the sandbox knows about one run; its status follows from the clock."""

    id: str
    scenario: Scenario
    created_at: float
    seq: int
    type: str = "test"
    source: str | None = "api"
    test_id: str | None = None
    project_id: str | None = None
    input: JSONObject = field(default_factory=dict)
    platform: str | None = None
    device_model: str | None = None
    execution_mode: str | None = "fast"
    external_ref: JSONObject | None = None
    cancelled_at: float | None = None
    duration_ms: int | None = None  # overrides the scenario's (history runs)

    @property
    def started_at(self) -> float:
        return self.created_at + self.scenario.queued_seconds

    @property
    def finished_at(self) -> float:
        return self.started_at + self.scenario.running_seconds

    def status_at(self, now: float) -> str:
        if self.cancelled_at is not None and now >= self.cancelled_at:
            return "cancelled"
        if now < self.started_at:
            return "queued"
        if now < self.finished_at:
            return "running"
        return self.scenario.status


def run_view(run: RunRecord, now: float) -> JSONObject:
    """The RunResponse JSON for ``run`` at sandbox time ``now``."""
    s = run.scenario
    status = run.status_at(now)
    started: float | None = None
    completed: float | None = None
    duration: int | None = None
    output: JSONObject | None = None
    error: JSONObject | None = None
    if status == "cancelled" and run.cancelled_at is not None and now >= run.cancelled_at:
        completed = run.cancelled_at
        if run.cancelled_at > run.started_at:
            started = run.started_at
            duration = round((run.cancelled_at - run.started_at) * 1000)
    elif status != "queued":
        started = run.started_at
    if status in TERMINAL and completed is None:
        completed = run.finished_at
        duration = run.duration_ms if run.duration_ms is not None else s.reported_duration_ms
        output = s.output_for(run.seq) if status == "completed" else None
        error = s.error if status == "failed" else None
    view: JSONObject = {
        "id": run.id,
        "type": run.type,
        "status": status,
        "platform": run.platform if run.platform is not None else s.platform,
        "deviceModel": run.device_model,
        "source": run.source,
        "projectId": run.project_id,
        "input": run.input,
        "output": output,
        "testPlan": s.test_plan if status != "queued" else None,
        "error": error,
        "durationMs": duration,
        "webhookUrl": None,
        "webhookStatus": None,
        "testId": run.test_id,
        "stepResults": None,
        "userName": "Sandbox User",
        "externalRef": run.external_ref,
        "executionMode": run.execution_mode,
        "autoRetryCount": 0,
        "createdAt": isoformat(run.created_at),
        "startedAt": isoformat(started) if started is not None else None,
        "completedAt": isoformat(completed) if completed is not None else None,
    }
    for key, value in s.fields.items():
        if key not in ("id", "status", "createdAt", "startedAt", "completedAt"):
            view[key] = value
    return view


class CursorError(TesterArmyWaitError):
    """A ``cursor`` query value this sandbox did not hand out."""


def encode_cursor(run: RunRecord) -> str:
    raw = f"{run.created_at!r}|{run.seq}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        created, seq = raw.split("|")
        return float(created), int(seq)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise CursorError("invalid cursor") from exc


def _key(run: RunRecord) -> tuple[float, int]:
    return (run.created_at, run.seq)


@dataclass(frozen=True)
class Page:
    runs: list[RunRecord]
    next_cursor: str | None


class Store:
    """Thread-safe run storage with newest-first, cursor-paged listing."""

    def __init__(self, ids: IdFactory, seed: int | None = None) -> None:
        self.ids = ids
        self._seed = seed
        self._runs: dict[str, RunRecord] = {}
        self._seq = 0
        self._lock = threading.RLock()

    def add(self, scenario: Scenario, created_at: float, **attrs: Any) -> RunRecord:
        with self._lock:
            self._seq += 1
            run = RunRecord(
                id=self.ids.new(), scenario=scenario, created_at=created_at, seq=self._seq, **attrs
            )
            self._runs[run.id] = run
            return run

    def get(self, run_id: str) -> RunRecord | None:
        with self._lock:
            return self._runs.get(run_id)

    def all(self) -> list[RunRecord]:
        with self._lock:
            return list(self._runs.values())

    def cancel(self, run_id: str, now: float) -> str:
        """Cancel a queued/running run: returns ``cancelled``, ``terminal`` or ``missing``."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return "missing"
            if run.status_at(now) in TERMINAL:
                return "terminal"
            run.cancelled_at = now
            return "cancelled"

    def page(
        self,
        now: float,
        *,
        test_id: str | None = None,
        project_id: str | None = None,
        status: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> Page:
        after = decode_cursor(cursor) if cursor else None
        with self._lock:
            runs = sorted(self._runs.values(), key=_key, reverse=True)
        chosen = [
            r
            for r in runs
            if (test_id is None or r.test_id == test_id)
            and (project_id is None or r.project_id == project_id)
            and (status is None or r.status_at(now) == status)
            and (after is None or _key(r) < after)
        ]
        page = chosen[:limit]
        more = len(chosen) > limit
        return Page(page, encode_cursor(page[-1]) if more and page else None)

    def add_history(
        self,
        test_id: str,
        now: float,
        count: int,
        project_id: str | None = None,
        *,
        durations_s: Sequence[float] | None = None,
    ) -> list[RunRecord]:
        """Create finished past runs of ``test_id``: ``count`` with varied durations, or one
        per entry of ``durations_s`` (oldest first) with exactly those durations."""
        rng = random.Random(f"{self._seed}:{test_id}")  # noqa: S311 - not security related
        kinds = ["passes", "passes", "issues-found", "passes", "infra-failure"]
        planned = list(durations_s) if durations_s is not None else [None] * count
        made = []
        for i, seconds in enumerate(reversed(planned)):  # newest first, ages growing
            scenario = builtin_scenario("passes" if seconds is not None else kinds[i % len(kinds)])
            age = (i + 1) * 6 * 3600 + rng.uniform(0, 3600)
            base = scenario.reported_duration_ms
            duration_ms = (
                round(seconds * 1000)
                if seconds is not None
                else round(base * rng.uniform(0.6, 1.8))
            )
            made.append(
                self.add(
                    scenario,
                    now - age,
                    test_id=test_id,
                    project_id=project_id,
                    duration_ms=duration_ms,
                    source=rng.choice(["api", "github_action", "scheduled"]),
                )
            )
        return made
