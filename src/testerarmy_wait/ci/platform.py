"""The platform the job runs on, built from the CI context: it supplies the reporter, the
pull (merge) request fields for starting runs, and the review publisher. GitHub, GitLab, or
any other place (a terminal, ``docker run``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

from testerarmy_wait.ci_context import ChangeRequest, CIContext
from testerarmy_wait.redaction import Redactor

if TYPE_CHECKING:
    from testerarmy_wait.ci.reporters import Reporter
    from testerarmy_wait.config import Settings
    from testerarmy_wait.rerun import AttemptState
    from testerarmy_wait.verdict import Links, Verdict

#: The previous attempt of this job, and lines for the log.
LookedBack = tuple["AttemptState | None", list[str]]


class Platform(Protocol):
    @property
    def context(self) -> CIContext: ...

    def reporter(self, stdout: TextIO, stderr: TextIO, redactor: Redactor) -> Reporter:
        """How the job is told on this platform."""
        ...

    def change_request(self) -> ChangeRequest:
        """The pull (merge) request the job runs for, as the platform says it."""
        ...

    def links(self, settings: Settings, redactor: Redactor) -> Links:
        """Where every report points: the dashboard's runs, the API as shown, this job."""
        ...

    def publish_review(
        self, settings: Settings, verdict: Verdict, redactor: Redactor
    ) -> tuple[list[str], list[str]]:
        """Tell the pull (merge) request: (what was done, warnings); never raises."""
        ...

    def previous_attempt(self, settings: Settings, redactor: Redactor) -> LookedBack:
        """What the previous attempt of this CI job left (``rerun-failed-only``); never
        raises."""
        ...


@dataclass(frozen=True)
class _Base:
    """What every platform shares; its subclasses add methods only (the dataclass's own
    ``__init__``, equality and freezing are theirs too)."""

    context: CIContext

    def change_request(self) -> ChangeRequest:
        return self.context.change

    def links(self, settings: Settings, redactor: Redactor) -> Links:
        from testerarmy_wait.verdict import Links  # the verdict's module: after the runs

        api = settings.api_url
        return Links(
            run_url=settings.run_url,
            api_url=redactor.message(api) if api else None,
            job_url=self.context.job_url,
        )

    def previous_attempt(self, settings: Settings, redactor: Redactor) -> LookedBack:
        if settings.start is None or not settings.inputs.rerun_failed_only:
            return None, []  # nothing is started here, or everything is: no look back
        from testerarmy_wait.ci.previous_attempt import look_back  # loaded only to look back

        return look_back(settings, self.context, redactor)


class GitHub(_Base):
    def reporter(self, stdout: TextIO, stderr: TextIO, redactor: Redactor) -> Reporter:
        from testerarmy_wait.ci.github import GitHubReporter  # only the platform's own

        job = self.context.github
        return GitHubReporter(
            stdout,
            redactor,
            output_file=job.output_file if job else "",
            summary_file=job.summary_file if job else "",
        )

    def publish_review(
        self, settings: Settings, verdict: Verdict, redactor: Redactor
    ) -> tuple[list[str], list[str]]:
        from testerarmy_wait.ci.review import safely, tell_github  # only when the job is done

        return safely(
            lambda: tell_github(settings, self.context, verdict, redactor=redactor), redactor
        )


class GitLab(_Base):
    def reporter(self, stdout: TextIO, stderr: TextIO, redactor: Redactor) -> Reporter:
        from testerarmy_wait.ci.gitlab import GitLabReporter  # only the platform's own

        return GitLabReporter(stdout, redactor, color=not self.context.no_color)

    def publish_review(
        self, settings: Settings, verdict: Verdict, redactor: Redactor
    ) -> tuple[list[str], list[str]]:
        from testerarmy_wait.ci.review import safely, tell_gitlab  # only when the job is done

        return safely(
            lambda: tell_gitlab(settings, self.context, verdict, redactor=redactor), redactor
        )


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Elsewhere(_Base):
    """A terminal or any other CI: colour and a live line only on a TTY without
    ``NO_COLOR``/``TERM=dumb``; no review to tell."""

    def reporter(self, stdout: TextIO, stderr: TextIO, redactor: Redactor) -> Reporter:
        from testerarmy_wait.ci.terminal import TerminalReporter  # only the platform's own

        tty = _isatty(stderr)
        color = tty and not self.context.no_color and not self.context.dumb_terminal
        return TerminalReporter(stderr, redactor, is_tty=tty, color=color, results_stream=stdout)

    def publish_review(
        self, settings: Settings, verdict: Verdict, redactor: Redactor
    ) -> tuple[list[str], list[str]]:
        return [], []


def platform_for(context: CIContext) -> Platform:
    if context.platform == "github":
        return GitHub(context)
    if context.platform == "gitlab":
        return GitLab(context)
    return Elsewhere(context)
