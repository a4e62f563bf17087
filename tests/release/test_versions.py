"""One version everywhere: the package, ``action.yml``, the GitLab component's default image and
the changelog agree, in the development state of ``main`` and in a release commit; the release
commit is made and undone by ``scripts/release.py``."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
import yaml

import testerarmy_wait
from tests.release.release_script import ROOT, SCRIPT, release

REPO = "ghcr.io/acme/testerarmy-wait"


def files() -> dict[str, str]:
    return dict(release.read_files(ROOT))


def released(version: str = "", repo: str = REPO) -> dict[str, str]:
    current = release.Version.parse(testerarmy_wait.__version__)
    target = release.Version.parse(version) if version else current.release
    return dict(release.prepare(files(), target, image_repo=repo, date="2026-11-29"))


def component_spec(text: str) -> dict[str, Any]:
    spec, _jobs = list(yaml.safe_load_all(text))
    return spec  # type: ignore[no-any-return]


def test_the_repository_agrees_with_itself() -> None:
    assert release.problems(files()) == []


def test_main_is_a_development_version_that_builds_the_dockerfile() -> None:
    version = release.Version.parse(testerarmy_wait.__version__)
    assert not version.is_release
    action = yaml.safe_load(files()["action.yml"])
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}
    spec = component_spec(files()[release.COMPONENT_FILE])
    assert spec["spec"]["inputs"]["image"]["default"].endswith(":edge")


def test_the_script_reads_what_yaml_reads() -> None:
    for texts in (files(), released()):
        action = yaml.safe_load(texts["action.yml"])
        assert release.action_image(texts["action.yml"]) == action["runs"]["image"]
        spec = component_spec(texts[release.COMPONENT_FILE])
        image = spec["spec"]["inputs"]["image"]["default"]
        assert release.component_image(texts[release.COMPONENT_FILE]) == image


def assert_sandbox_at(texts: dict[str, str], version: str) -> None:
    """The sandbox package carries ``version``, and each package pins the other to it."""
    assert release.package_version(texts[release.SANDBOX_VERSION_FILE]) == version
    assert release.pinned_versions(texts["pyproject.toml"], "testerarmy-wait-sandbox") == [version]
    assert release.pinned_versions(texts[release.SANDBOX_PYPROJECT_FILE], "testerarmy-wait") == [
        version
    ]


def test_a_release_commit_names_its_own_image_everywhere() -> None:
    texts = released()
    version = release.Version.parse(testerarmy_wait.__version__).release
    assert release.problems(texts, image_repo=REPO, state="release", tag=f"v{version}") == []
    assert yaml.safe_load(texts["action.yml"])["runs"] == {
        "using": "docker",
        "image": f"docker://{REPO}:{version}",
    }
    spec = component_spec(texts[release.COMPONENT_FILE])
    assert spec["spec"]["inputs"]["image"]["default"] == f"{REPO}:{version}"
    assert f'__version__ = "{version}"' in texts[release.VERSION_FILE]
    assert_sandbox_at(texts, str(version))
    sections = release.changelog_sections(texts["CHANGELOG.md"])
    assert [s.name for s in sections[:2]] == ["Unreleased", str(version)]
    assert sections[0].body == ""
    assert sections[1].date == "2026-11-29"
    assert sections[1].body == release.changelog_sections(files()["CHANGELOG.md"])[0].body
    assert release.release_notes(texts["CHANGELOG.md"], version).startswith("### Added")


@pytest.mark.parametrize(
    ("file", "old", "new", "complaint"),
    [
        ("action.yml", ":{v}\n", ":9.9.9\n", "action.yml: runs image"),
        ("action.yml", "docker://ghcr.io/acme/", "docker://ghcr.io/other/", "action.yml"),
        (release.COMPONENT_FILE, ":{v}\n", ":9.9.9\n", "default image tag 9.9.9"),
        ("CHANGELOG.md", "## [{v}] - 2026-11-29", "## [{v}]", "has no date"),
        ("CHANGELOG.md", "## [{v}] - 2026-11-29", "## [0.0.1] - 2026-11-29", "newest released"),
        (release.VERSION_FILE, '"{v}"', '"{v}.dev3"', "action.yml: a development version"),
        ("pyproject.toml", 'dynamic = ["version"]', 'version = "{v}"', "pyproject.toml"),
        (release.SANDBOX_VERSION_FILE, '"{v}"', '"9.9.9"', "version 9.9.9, expected {v}"),
        (
            release.SANDBOX_PYPROJECT_FILE,
            '"testerarmy-wait=={v}"',
            '"testerarmy-wait==9.9.9"',
            "pins testerarmy-wait to ['9.9.9'], expected =={v}",
        ),
        (
            "pyproject.toml",
            '"testerarmy-wait-sandbox=={v}"',
            '"testerarmy-wait-sandbox>={v}"',
            "pins testerarmy-wait-sandbox to nothing",
        ),
        (
            release.SANDBOX_PYPROJECT_FILE,
            'attr = "testerarmy_wait_sandbox.__version__"',
            'attr = "testerarmy_wait.__version__"',
            "must come from testerarmy_wait_sandbox.__version__",
        ),
    ],
)
def test_any_disagreement_in_a_release_commit_is_named(
    file: str, old: str, new: str, complaint: str
) -> None:
    version = str(release.Version.parse(testerarmy_wait.__version__).release)
    texts = released()
    before = old.replace("{v}", version)
    assert before in texts[file], (file, before)
    texts[file] = texts[file].replace(before, new.replace("{v}", version), 1)
    found = release.problems(texts, image_repo=REPO)
    assert any(complaint.replace("{v}", version) in problem for problem in found), found


def test_a_development_commit_must_not_run_a_released_image() -> None:
    texts = files()
    texts["action.yml"] = texts["action.yml"].replace(
        "image: Dockerfile", f"image: docker://{REPO}:1.0.0"
    )
    assert any("must build the Dockerfile" in p for p in release.problems(texts))


def test_the_tag_must_name_the_version_and_the_image_repository_the_owner() -> None:
    texts = released()
    version = release.Version.parse(testerarmy_wait.__version__).release
    assert release.problems(texts, tag="v0.0.1")[0].startswith("tag v0.0.1 does not name")
    problems = release.problems(texts, image_repo="ghcr.io/someone-else/testerarmy-wait")
    assert any("not ghcr.io/someone-else/testerarmy-wait" in p for p in problems)
    assert release.problems(texts, tag=f"v{version}", state="development")


def test_develop_goes_back_to_the_dockerfile_and_an_empty_unreleased_section() -> None:
    version = release.Version.parse(testerarmy_wait.__version__).release
    after = release.develop(released(), release.Version(version.major, version.minor + 1, 0))
    assert release.problems(after) == []
    assert release.package_version(after[release.VERSION_FILE]) == (
        f"{version.major}.{version.minor + 1}.0.dev0"
    )
    assert release.action_image(after["action.yml"]) == "Dockerfile"
    assert_sandbox_at(after, f"{version.major}.{version.minor + 1}.0.dev0")
    assert release.component_image(after[release.COMPONENT_FILE]) == f"{REPO}:edge"
    with pytest.raises(release.ReleaseError, match="not newer"):
        release.develop(released(), version)


def test_prepare_refuses_a_version_the_files_are_not_developing() -> None:
    with pytest.raises(release.ReleaseError, match="needs 7.0.0.devN"):
        release.prepare(files(), release.Version.parse("7.0.0"), image_repo=REPO, date="x")
    with pytest.raises(release.ReleaseError, match="not an image repository"):
        released(repo="ghcr.io/Acme/testerarmy-wait")
    texts = files()
    texts["CHANGELOG.md"] = re.sub(
        r"## \[Unreleased\].*?(?=\n## |\Z)",
        "## [Unreleased]\n",
        texts["CHANGELOG.md"],
        count=1,
        flags=re.DOTALL,
    )
    version = release.Version.parse(testerarmy_wait.__version__).release
    with pytest.raises(release.ReleaseError, match="nothing to release"):
        release.prepare(texts, version, image_repo=REPO, date="x")


@pytest.mark.parametrize(
    ("version", "existing", "moving"),
    [
        ("1.0.0", [], ("1.0", "1")),
        ("1.2.3", ["1.2.2", "1.1.9", "0.9.0"], ("1.2", "1")),
        ("1.1.5", ["1.2.0", "1.1.4"], ("1.1",)),  # a patch of an older line moves only 1.1
        ("1.1.5", ["1.1.6", "2.0.0"], ()),
        ("1.3.0", ["2.0.0"], ("1.3", "1")),
    ],
)
def test_moving_tags_follow_the_newest_release_of_each_line(
    version: str, existing: list[str], moving: tuple[str, ...]
) -> None:
    parse = release.Version.parse
    assert release.moving_tags(parse(version), [parse(v) for v in existing]) == moving
    assert release.image_tags(parse(version), [parse(v) for v in existing]) == (version, *moving)


def test_versions_are_compared_as_versions() -> None:
    parse = release.Version.parse
    assert parse("1.10.0") > parse("1.9.9")
    assert str(parse("2.0.0.dev4")) == "2.0.0.dev4"
    for bad in ("v1.0.0", "1.0", "01.0.0", "1.0.0-rc1", "1.0.0.dev"):
        with pytest.raises(release.ReleaseError):
            parse(bad)


def test_check_command_exits_zero_here_and_one_on_a_wrong_tag() -> None:
    ok = subprocess.run(
        [sys.executable, str(SCRIPT), "check"], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert "every file agrees" in ok.stdout
    wrong = subprocess.run(
        [sys.executable, str(SCRIPT), "check", "--tag", "v0.0.0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert wrong.returncode == 1
    assert "tag v0.0.0 does not name" in wrong.stderr


def test_package_metadata_takes_the_version_and_license_from_the_repository() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert 'license = "MIT"' in pyproject
    assert 'license-files = ["LICENSE"]' in pyproject
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License\n")
    assert release.problems(files()) == []  # the version comes from __version__


def test_dockerfile_pins_its_base_by_digest_and_labels_the_image() -> None:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    [base] = re.findall(r"^ARG BASE_IMAGE=(\S+)$", text, re.MULTILINE)
    assert re.fullmatch(r"python:[\w.-]+@sha256:[0-9a-f]{64}", base)
    for label in ("source", "version", "revision"):
        assert f"org.opencontainers.image.{label}=" in text


def test_the_component_takes_no_api_key_and_passes_every_input_it_declares() -> None:
    text = (ROOT / release.COMPONENT_FILE).read_text("utf-8")
    spec, jobs = list(yaml.safe_load_all(text))
    inputs = spec["spec"]["inputs"]
    assert not [name for name in inputs if "key" in name or "token" in name]
    [(name, job)] = jobs.items()
    assert name == "$[[ inputs.job-name ]]"
    used = set(re.findall(r"\$\[\[ inputs\.([a-z-]+) \]\]", text.split("\n---", 1)[1]))
    assert used == set(inputs)
    script = " ".join(job["script"])
    for setting in set(inputs) - {"job-name", "stage", "image", "allow-failure"}:
        variable = "TESTERARMY_COMPONENT_" + setting.upper().replace("-", "_")
        assert f'--{setting} "${variable}"' in script
        assert job["variables"][variable] == f"$[[ inputs.{setting} ]]"
    assert job["artifacts"]["reports"]["dotenv"] == "testerarmy-reports/testerarmy-wait.env"
