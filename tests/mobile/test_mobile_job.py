"""Mobile builds, the whole step over the sandbox's real HTTP: upload (initiate, one PUT to
the presigned URL, confirm), start with that app, wait, delete; an .app directory zipped on
the fly; storage failing then succeeding; an expired URL; bad input refused before any
request."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait.mobile.app_file import write_app_zip
from testerarmy_wait_sandbox import Fault
from tests.integration.cli_run import JobResult, run_job

PROJECT = "7c1d0a52-3f4e-4b6a-9c8d-2e1f0a9b8c7d"


def env_for(sandbox: Any, **extra: str) -> dict[str, str]:
    return {
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_POLL-INTERVAL": "0.02",
        "INPUT_TIMEOUT": "60",
        "INPUT_PROJECT-ID": PROJECT,
        **extra,
    }


def apk(tmp_path: Path, size: int = 300_000) -> Path:
    path = tmp_path / "shop-release.apk"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    return path


def calls(sandbox: Any) -> list[tuple[str, str]]:
    return [(e.method, e.route.split("?")[0]) for e in sandbox.requests]


def assert_no_presigned_url(job: JobResult, sandbox: Any) -> None:
    puts = [e for e in sandbox.requests if e.method == "PUT"]
    signature = puts[0].query["X-Signature"][0]
    reports = job.workspace / "testerarmy-reports"
    texts = [job.log, job.summary, job.stderr, *(p.read_text() for p in reports.iterdir())]
    assert all(signature not in text for text in texts)


def test_an_apk_is_uploaded_tested_and_deleted(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="passes")
    build = apk(tmp_path)
    job = run_job(
        tmp_path,
        env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_APP-PATH": str(build)}),
    )
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    app_id = job.outputs["appId"]
    assert job.outputs["uploadMs"].isdigit()
    order = [c for c in calls(sandbox) if "/runs/" not in c[1] or c[0] == "POST"]
    assert order[:3] == [
        ("POST", f"/v1/projects/{PROJECT}/mobile/upload"),
        ("PUT", order[1][1]),
        ("POST", f"/v1/projects/{PROJECT}/mobile/upload/confirm"),
    ]
    assert order[1][1].startswith("/storage/")
    [put] = [e for e in sandbox.requests if e.method == "PUT"]
    assert not put.authenticated
    [start] = [e for e in sandbox.requests if e.route == f"/v1/tests/{test.test_id}/runs"]
    assert start.request_json == {"appId": app_id, "platform": "android"}
    assert calls(sandbox)[-1] == ("DELETE", f"/v1/projects/{PROJECT}/mobile/{app_id}")
    digest = hashlib.sha256(build.read_bytes()).hexdigest()
    assert sandbox.mobile_digest(app_id) == digest
    assert "uploaded shop-release.apk (300.0 KB) as app" in job.log
    assert f"deleted app {app_id}" in job.log
    assert_no_presigned_url(job, sandbox)


def test_an_app_directory_is_zipped_with_the_bundle_at_the_root(
    sandbox: Any, tmp_path: Path
) -> None:
    bundle = tmp_path / "Shop.app"
    (bundle / "Frameworks").mkdir(parents=True)
    (bundle / "Info.plist").write_text("<plist/>")
    (bundle / "Shop").write_bytes(b"\x7fELF" * 1000)
    (bundle / "Frameworks" / "Kit.dylib").write_bytes(b"k" * 5000)
    (bundle / "Current").symlink_to("Frameworks")
    group = sandbox.configure_group(scenarios=("passes",))
    job = run_job(
        tmp_path,
        env_for(sandbox, **{"INPUT_GROUP-ID": group.group_id, "INPUT_APP-PATH": str(bundle)}),
    )
    assert job.code == 0, job.log
    app_id = job.outputs["appId"]
    [start] = [e for e in sandbox.requests if e.route == f"/v1/groups/{group.group_id}/runs"]
    assert start.request_json == {"platform": "ios", "mobile": {"appId": app_id}}
    expected = tmp_path / "expected.zip"
    write_app_zip(bundle, expected)  # the same bytes: the archive is deterministic
    assert sandbox.mobile_digest(app_id) == hashlib.sha256(expected.read_bytes()).hexdigest()
    with zipfile.ZipFile(expected) as archive:
        names = archive.namelist()
    assert names[0] == "Shop.app/"
    assert all(n.startswith("Shop.app/") for n in names)
    assert "Shop.app/Current" in names  # the link stored as a link, not followed
    assert not list(tmp_path.glob("testerarmy-app-*.zip"))


def test_storage_failing_twice_is_retried_and_the_file_sent_again(
    sandbox: Any, tmp_path: Path
) -> None:
    sandbox.faults.add(fault=Fault.status(503), method="PUT", path="/storage/*", times=2)
    test = sandbox.configure_test(scenario="passes")
    job = run_job(
        tmp_path,
        env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_APP-PATH": str(apk(tmp_path))}),
    )
    assert job.code == 0, job.log
    puts = [e for e in sandbox.requests if e.method == "PUT"]
    assert [p.status for p in puts] == [503, 503, 200]


def test_an_expired_upload_url_is_an_error_and_starts_nothing(sandbox: Any, tmp_path: Path) -> None:
    sandbox.expire_uploads()
    test = sandbox.configure_test(scenario="passes")
    job = run_job(
        tmp_path,
        env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_APP-PATH": str(apk(tmp_path))}),
    )
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert "storage refused the upload: HTTP 403 (the URL may have expired)" in job.log
    assert not [e for e in sandbox.requests if "/runs" in e.route]
    assert_no_presigned_url(job, sandbox)


def test_the_app_is_deleted_when_the_run_fails_too(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="issues-found")
    job = run_job(
        tmp_path,
        env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_APP-PATH": str(apk(tmp_path))}),
    )
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    assert calls(sandbox)[-1][0] == "DELETE"


def test_delete_app_false_keeps_it(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="passes")
    job = run_job(
        tmp_path,
        env_for(
            sandbox,
            **{
                "INPUT_TEST-ID": test.test_id,
                "INPUT_APP-PATH": str(apk(tmp_path)),
                "INPUT_DELETE-APP": "false",
                "INPUT_REMOVE-AFTER": "600",
            },
        ),
    )
    assert job.code == 0
    assert not [c for c in calls(sandbox) if c[0] == "DELETE"]
    [begin] = [e for e in sandbox.requests if e.route.endswith("/mobile/upload")]
    assert begin.request_json["removeAfter"] == 600
    assert f"kept app {job.outputs['appId']}" in job.log


def test_an_app_id_handed_over_is_tested_and_never_deleted(sandbox: Any, tmp_path: Path) -> None:
    first = run_job(
        tmp_path / "upload",
        env_for(
            sandbox,
            **{
                "INPUT_TEST-ID": sandbox.configure_test(scenario="passes").test_id,
                "INPUT_APP-PATH": str(apk(tmp_path)),
                "INPUT_DELETE-APP": "false",
            },
        ),
    )
    app_id = first.outputs["appId"]
    test = sandbox.configure_test(scenario="passes")
    job = run_job(
        tmp_path / "again",
        env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_APP-ID": app_id}),
    )
    assert job.code == 0
    [start] = [e for e in sandbox.requests if e.route == f"/v1/tests/{test.test_id}/runs"]
    assert start.request_json == {"appId": app_id}
    assert not [c for c in calls(sandbox) if c[0] == "DELETE"]


def test_an_app_the_project_does_not_have_is_refused(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="passes")
    job = run_job(
        tmp_path,
        env_for(
            sandbox,
            **{
                "INPUT_TEST-ID": test.test_id,
                "INPUT_APP-ID": "0b7e6a1c-9d2f-4e3a-8b5c-1a2b3c4d5e6f",
            },
        ),
    )
    assert (job.code, job.outputs["result"]) == (4, "ERROR")


def build_named(tmp_path: Path, kind: str) -> Path:
    """A bad build of the kind named."""
    if kind == "missing":
        return tmp_path / "missing.apk"
    if kind == "empty":
        (tmp_path / "empty.apk").write_bytes(b"")
        return tmp_path / "empty.apk"
    if kind == "not-an-app":
        (tmp_path / "Shop.bundle").mkdir()
        return tmp_path / "Shop.bundle"
    if kind == "exe":
        (tmp_path / "shop.exe").write_bytes(b"MZ")
        return tmp_path / "shop.exe"
    return apk(tmp_path)


@pytest.mark.parametrize(
    ("kind", "extra", "says"),
    [
        ("missing", {}, "does not exist"),
        ("empty", {}, "is empty"),
        ("not-an-app", {}, "not an .app bundle"),
        ("exe", {}, "is not an .apk, .aab, .ipa, .zip or .app build"),
        ("apk", {"INPUT_APP-ID": "0b7e6a1c-9d2f-4e3a-8b5c-1a2b3c4d5e6f"}, "app-id: and app-path"),
        ("apk", {"INPUT_REMOVE-AFTER": "30"}, "remove-after: must be 60-604800"),
    ],
)
def test_bad_builds_and_settings_are_usage_errors_with_no_request(
    sandbox: Any, tmp_path: Path, kind: str, extra: dict[str, str], says: str
) -> None:
    path = build_named(tmp_path, kind)
    test = sandbox.configure_test(scenario="passes")
    env = env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_APP-PATH": str(path), **extra})
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert says in job.log
    assert sandbox.requests == []


def test_without_project_id_the_build_goes_to_the_tests_project(
    sandbox: Any, tmp_path: Path
) -> None:
    project = "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091"
    test = sandbox.configure_test(scenario="passes", project_id=project)
    env = env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_APP-PATH": str(apk(tmp_path))})
    del env["INPUT_PROJECT-ID"]
    job = run_job(tmp_path, env)
    assert job.code == 0, job.log
    assert calls(sandbox)[:2] == [
        ("GET", f"/v1/tests/{test.test_id}"),
        ("POST", f"/v1/projects/{project}/mobile/upload"),
    ]
    assert f"uploading to project {project}, the test's" in job.log


def test_a_pull_request_run_of_a_build_asks_for_its_app_and_no_url(
    sandbox: Any, tmp_path: Path
) -> None:
    sandbox.configure_project(PROJECT, scenario="passes")
    env = env_for(
        sandbox,
        **{
            "INPUT_APP-PATH": str(apk(tmp_path)),
            "INPUT_PR-NUMBER": "12",
            "INPUT_PR-TITLE": "New checkout",
            "INPUT_COMMIT-SHA": "abc123",
        },
    )
    job = run_job(tmp_path, env)
    assert job.code == 0, job.log
    [start] = [e for e in sandbox.requests if e.route.endswith("/pull-request-runs")]
    assert start.request_json == {
        "platform": "android",
        "pullRequest": {"number": 12, "title": "New checkout", "commitSha": "abc123"},
        "mobile": {"appId": job.outputs["appId"]},
    }


def test_a_group_webhook_run_of_a_build_asks_for_its_app(sandbox: Any, tmp_path: Path) -> None:
    group = sandbox.configure_group(scenarios=("passes",))
    webhook = sandbox.configure_webhook(group)
    env = env_for(
        sandbox,
        **{
            "INPUT_GROUP-WEBHOOK-URL": sandbox.url + webhook.path,
            "INPUT_APP-PATH": str(apk(tmp_path)),
        },
    )
    job = run_job(tmp_path, env)
    assert job.code == 0, job.log
    [start] = [e for e in sandbox.requests if "/groups/webhook/" in e.route]
    assert start.request_json == {"platform": "android", "mobile": {"appId": job.outputs["appId"]}}
    assert calls(sandbox)[-1][0] == "DELETE"
    shown = [line for line in job.log.splitlines() if not line.startswith("::add-mask::")]
    assert not [line for line in shown if webhook.secret in line]


def test_a_webhook_build_with_nothing_naming_a_project_is_a_usage_error(
    sandbox: Any, tmp_path: Path
) -> None:
    webhook = sandbox.configure_webhook(sandbox.configure_group(scenarios=("passes",)))
    env = env_for(
        sandbox,
        **{
            "INPUT_GROUP-WEBHOOK-URL": sandbox.url + webhook.path,
            "INPUT_APP-PATH": str(apk(tmp_path)),
        },
    )
    del env["INPUT_PROJECT-ID"]
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "app-path: needs project-id" in job.log
    assert sandbox.requests == []


def test_the_sandbox_lists_and_deletes_apps(sandbox: Any, tmp_path: Path) -> None:
    import httpx

    test = sandbox.configure_test(scenario="passes")
    env = env_for(
        sandbox,
        **{
            "INPUT_TEST-ID": test.test_id,
            "INPUT_APP-PATH": str(apk(tmp_path)),
            "INPUT_DELETE-APP": "false",
        },
    )
    app_id = run_job(tmp_path, env).outputs["appId"]
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    listed = httpx.get(f"{sandbox.url}/v1/projects/{PROJECT}/mobile", headers=headers).json()
    [app] = listed["apps"]
    assert (app["id"], app["platform"], app["filename"]) == (app_id, "android", "shop-release.apk")
    gone = httpx.delete(f"{sandbox.url}/v1/projects/{PROJECT}/mobile/{app_id}", headers=headers)
    assert (gone.status_code, gone.json()) == (200, {"deleted": True})
    again = httpx.delete(f"{sandbox.url}/v1/projects/{PROJECT}/mobile/{app_id}", headers=headers)
    assert again.status_code == 404
    assert httpx.get(f"{sandbox.url}/v1/projects/{PROJECT}/mobile", headers=headers).json() == {
        "apps": []
    }
