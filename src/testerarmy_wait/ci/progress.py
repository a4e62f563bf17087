"""Which progress events deserve a line in a CI log (GitHub, GitLab, a terminal without a TTY).

A poll that changed nothing is not news. With a few runs, each run's status changes are
logged; with many, one summary line now and then says how many have finished. Notes (errors,
retries, unknown statuses) are always worth a line, up to a cap; past it they are counted
and the count is logged at the end. Work per event is constant, whatever the number of runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Final

from testerarmy_wait.outcome import Progress
from testerarmy_wait.report.escape import terminal_text
from testerarmy_wait.report.formatting import format_duration, plural, short_id
from testerarmy_wait.report.values import safe_run_id, safe_status

PER_RUN_LINES_UP_TO: Final = 10  # runs; more than this and status changes are summarised
MAX_NOTE_LINES: Final = 50
SUMMARY_EVERY_S: Final = 30.0
_FINISHED: Final = ("completed", "failed", "cancelled")


def run_line(event: Progress, note: str | None = None) -> str:
    """``3f2a9c1e: running after 1m 10s, 8 polls (HTTP 503, retrying in 2.0 s)``."""
    shown = f" ({terminal_text(note, limit=300)})" if note else ""
    return (
        f"{short_id(safe_run_id(event.run_id))}: {safe_status(event.status)} after "
        f"{format_duration(event.elapsed_s * 1000)}, {plural(event.polls, 'poll')}{shown}"
    )


@dataclass
class ProgressDigest:
    """Turns progress events into the few log lines worth printing."""

    per_run_up_to: int = PER_RUN_LINES_UP_TO
    max_notes: int = MAX_NOTE_LINES
    summary_every_s: float = SUMMARY_EVERY_S
    _status: dict[str, str] = field(default_factory=dict)
    _counts: Counter[str] = field(default_factory=Counter)
    _notes_shown: int = 0
    _notes_left_out: int = 0
    _last_summary_s: float = 0.0
    _summarised_finished: int = -1

    def lines(self, event: Progress) -> list[str]:
        out: list[str] = []
        previous = self._status.get(event.run_id)
        status = safe_status(event.status)
        if previous != status:
            if previous is not None:
                self._counts[previous] -= 1
            self._counts[status] += 1
            self._status[event.run_id] = status
        if event.note:
            if self._notes_shown < self.max_notes:
                self._notes_shown += 1
                out.append(run_line(event, event.note))
            else:
                self._notes_left_out += 1
        many = event.total > self.per_run_up_to
        if previous != status and not many and not event.note:
            out.append(run_line(event))
        if many and self._summary_due(event):
            out.append(self.summary(event.elapsed_s, event.total))
        return out

    def _summary_due(self, event: Progress) -> bool:
        finished = sum(self._counts[s] for s in _FINISHED)
        if finished == self._summarised_finished:
            return False
        all_seen_finished = len(self._status) == event.total and finished == event.total
        if all_seen_finished or event.elapsed_s - self._last_summary_s >= self.summary_every_s:
            self._last_summary_s = event.elapsed_s
            self._summarised_finished = finished
            return True
        return False

    def summary(self, elapsed_s: float, total: int) -> str:
        finished = sum(self._counts[s] for s in _FINISHED)
        parts = [f"{n} {s}" for s, n in sorted(self._counts.items()) if n and s in _FINISHED]
        waiting = [f"{n} {s}" for s, n in sorted(self._counts.items()) if n and s not in _FINISHED]
        unseen = total - len(self._status)
        if unseen > 0:
            waiting.append(f"{unseen} not yet seen")
        detail = ", ".join(parts) if parts else "none yet"
        rest = f"; {', '.join(waiting)}" if waiting else ""
        return (
            f"{finished} of {plural(total, 'run')} finished after "
            f"{format_duration(elapsed_s * 1000)} ({detail}){rest}"
        )

    def closing_lines(self) -> list[str]:
        if not self._notes_left_out:
            return []
        return [f"{plural(self._notes_left_out, 'more note')} left out of this log"]
