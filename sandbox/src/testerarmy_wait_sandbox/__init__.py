"""An offline tester.army API: for tests, the demo and users' dry runs.

It serves the endpoints of the API description under ``<url>`` (= ``http://HOST:PORT/api``):
``GET /v1/runs/{id}``, ``GET /v1/runs``, ``POST /v1/runs/{id}/cancel``,
``POST /v1/tests/{testId}/runs``, ``POST /v1/groups/{groupId}/runs``,
``POST /v1/projects/{projectId}/pull-request-runs`` and
``POST /v1/groups/webhook/{webhookId}/{secret}``, with Bearer-key auth.

Start it::

    from testerarmy_wait_sandbox import Fault, ManualClock, start_sandbox

    with start_sandbox(speed=2000, seed=1) as sb:    # or Sandbox(...).start() / .close()
        run_id = sb.create_run("issues-found")
        httpx.get(f"{sb.url}/v1/runs/{run_id}",
                  headers={"Authorization": f"Bearer {sb.api_key}"})

``Sandbox(*, host="127.0.0.1", port=0, api_key=None, speed=1.0, clock=None, seed=None,
default_scenario="passes", history=5, strict_ids=False, max_body_bytes=262144)``

- ``speed``: sandbox seconds per real second (ignored when ``clock`` is given);
  ``clock``: ``RealClock(speed)`` or ``ManualClock()`` (``.advance(seconds)``).
- ``seed``: reproducible run/test/batch ids and API key; without it ids are uuid4.
- ``history``: past runs created for each new test (varied ``durationMs``).
- ``strict_ids``: unknown tests, groups and projects answer 404 instead of being
  created on first use with the default scenario.

Handle:

- ``url``, ``api_key``, ``host``, ``port``, ``clock``, ``faults`` (a ``FaultSet``)
- ``create_run(scenario=None, test_id=None, *, project_id=None, type="test", source="api",
  input=None, platform=None, cancelled=False) -> str`` (run id; queued now)
- ``run(run_id) -> dict`` (the RunResponse now), ``status(run_id) -> str``,
  ``run_ids(*, test_id=None) -> list[str]``
- ``configure_test(test_id=None, *, scenario=None, project_id=None, history=None)
  -> TestConfig`` (``.test_id``, ``.scenario``, ``.project_id``)
- ``configure_group(group_id=None, *, scenarios=(None,), cancelled=(), test_ids=None)
  -> GroupConfig`` (``.group_id``, ``.members[i].test_id/.scenario/.cancelled``)
- ``configure_project(project_id=None, *, scenario=None, short_id=None) -> ProjectConfig``
  (``.project_id``, ``.short_id``)
- ``configure_webhook(group_id_or_config, *, webhook_id=None, secret=None) -> Webhook``
  (``.webhook_id``, ``.secret``, ``.group_id``, ``.path`` relative to ``url``)
- ``scenario=None`` everywhere means the sandbox's ``default_scenario``.
- ``default_scenario`` (read/write), ``register_scenario(scenario_or_dict) -> Scenario``,
  ``scenario(name_or_dict) -> Scenario``,
  ``add_api_key(key)``
- ``requests -> list[Exchange]``, ``requests_for(method=None, path=None)``,
  ``clear_requests()``; an ``Exchange`` has ``method, path, route, query, status,
  response_bytes, request_json, response_body, response_headers, fault, authenticated``
  and ``json()``. The Authorization header is never recorded.
- ``start()``, ``close()``, context manager.

A scenario is a built-in name (``BUILTIN_SCENARIOS``; see ``catalog``), a registered
name, a dict (see ``scenarios``) or a ``Scenario``. Faults: see ``faults``::

    sb.faults.add(method="GET", path=f"/v1/runs/{run_id}", nth=[3], fault=Fault.status(503))
"""

from __future__ import annotations

# Always the waiter's version: scripts/release.py sets both and checks they agree.
__version__ = "1.0.0.dev0"

from .api import GroupConfig, GroupMember, ProjectConfig, TestConfig, Webhook
from .catalog import BUILTIN_SCENARIOS, HOSTILE_PIECES, HOSTILE_TEXT, builtin_scenario
from .clock import Clock, ManualClock, RealClock
from .faults import Fault, FaultRule, FaultSet
from .handle import Sandbox, generate_api_key, start_sandbox
from .recording import Exchange
from .scenarios import Scenario, ScenarioError, load_scenario_file

__all__ = [
    "BUILTIN_SCENARIOS",
    "HOSTILE_PIECES",
    "HOSTILE_TEXT",
    "Clock",
    "Exchange",
    "Fault",
    "FaultRule",
    "FaultSet",
    "GroupConfig",
    "GroupMember",
    "ManualClock",
    "ProjectConfig",
    "RealClock",
    "Sandbox",
    "Scenario",
    "ScenarioError",
    "TestConfig",
    "Webhook",
    "builtin_scenario",
    "generate_api_key",
    "load_scenario_file",
    "start_sandbox",
]
