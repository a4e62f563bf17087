"""What a pre-built action image saves: time from the start of the action's step to the first
request at the API, with the released image pulled from a registry versus the image built from
the Dockerfile with an empty build cache. Reproduce with (as root, after scripts/ci-setup.sh):

    . /opt/testerarmy-tools/env.sh && python bench/action_startup.py [--rounds 5]

Three ways, interleaved round by round, each round starting from an engine without the image:

- act:        act runs a workflow whose action.yml is ``docker://REGISTRY/.../testerarmy-wait:X``
              (a release commit); the step pulls the image. Step start = the time a step printed
              just before it.
- pull + run: what the runner does for ``docker://``: ``docker pull``, then ``docker run``.
- build + run: what the runner does for ``image: Dockerfile``: ``docker build`` (no cache:
              every layer, the locked dependencies from PyPI), then ``docker run``.

act cannot build ``image: Dockerfile`` here (its build gets no network on a bridgeless engine),
so the Dockerfile path is timed as the runner's two commands; the pull path is timed both
ways, which shows how close the emulation is to act. The base image is local on both paths
(the stand-in); on a hosted runner the build would also pull the base. The registry is on
loopback; ghcr.io is slower to pull from, by the size of the image (``docker image ls``).
Figures are medians; nothing asserts them. It removes the engine's other testerarmy-wait
images (the tests rebuild theirs), so that no pull finds layers already present.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

from testerarmy_wait_sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
BASE_IMAGE = os.environ.get("TESTERARMY_BASE_IMAGE", "testerarmy-wait-base:bookworm")
REGISTRY = os.environ.get("TESTERARMY_REGISTRY", "127.0.0.1:5000")

WORKFLOW = """\
on: push
jobs:
  qa:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "STEP_START=$(date +%s.%N)"
      - uses: ./
        with:
          run-id: "@RUN@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
"""


def sh(*args: str, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=check, **kwargs)  # type: ignore[call-overload, no-any-return]


def forget(image: str) -> None:
    """Remove ``image`` and every other image built from this repository (they share layers,
    which would make a pull look cheaper than it is); the stand-in base stays."""
    listed = sh("docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    ours = [i for i in listed if i.split(":")[0].endswith(("/testerarmy-wait", "testerarmy-wait"))]
    for name in {image, *ours}:
        sh("docker", "image", "rm", "--force", name, check=False)
    sh("docker", "image", "prune", "--force", check=False)


def first_request_after(sandbox: Sandbox, run_id: str, since: float) -> float:
    arrivals = [e.received_at for e in sandbox.requests if run_id in e.path]
    if not arrivals:
        raise RuntimeError(f"the action never asked for run {run_id}")
    return min(arrivals) - since


def finished_run(sandbox: Sandbox) -> str:
    run_id = sandbox.create_run("passes")
    while sandbox.status(run_id) != "completed":
        time.sleep(0.05)
    return run_id


def step_env(sandbox: Sandbox, run_id: str, work: Path) -> list[str]:
    return [
        "--network", "host", "--workdir", "/github/workspace",
        "-v", f"{work}:/github/workspace",
        "-e", "GITHUB_ACTIONS=true", "-e", "GITHUB_WORKSPACE=/github/workspace",
        "-e", f"INPUT_RUN-ID={run_id}", "-e", f"INPUT_API-KEY={sandbox.api_key}",
        "-e", f"INPUT_API-URL={sandbox.url}",
    ]  # fmt: skip


def via_act(sandbox: Sandbox, image: str, repo: Path, act: str) -> float:
    run_id = finished_run(sandbox)
    workflow = repo / ".github" / "workflows" / "bench.yml"
    workflow.write_text(WORKFLOW.replace("@RUN@", run_id).replace("@API_URL@", sandbox.url))
    sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "bench", cwd=repo)
    forget(image)
    done = sh(
        act, "push", "-W", ".github/workflows/bench.yml", "-P", f"ubuntu-latest={BASE_IMAGE}",
        "--pull=false", "--network", "host", "--secret", f"TESTERARMY_API_KEY={sandbox.api_key}",
        cwd=repo, check=False,
    )  # fmt: skip
    match = re.search(r"STEP_START=(\d+\.\d+)", done.stdout + done.stderr)
    if done.returncode != 0 or match is None or f"docker pull image={image}" not in done.stdout:
        raise RuntimeError(f"act failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return first_request_after(sandbox, run_id, float(match.group(1)))


def via_pull(sandbox: Sandbox, image: str, work: Path) -> float:
    run_id = finished_run(sandbox)
    forget(image)
    began = time.time()
    sh("docker", "pull", image)
    sh("docker", "run", "--rm", *step_env(sandbox, run_id, work), image)
    return first_request_after(sandbox, run_id, began)


def via_build(sandbox: Sandbox, tag: str, work: Path) -> float:
    run_id = finished_run(sandbox)
    forget(tag)
    began = time.time()
    sh(
        "docker", "build", "--no-cache", "--network", "host", "--quiet",
        "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "--tag", tag, str(ROOT),
    )  # fmt: skip
    sh("docker", "run", "--rm", *step_env(sandbox, run_id, work), tag)
    return first_request_after(sandbox, run_id, began)


def released_repo(image_repo: str, tag: str, where: Path) -> Path:
    """A git copy of the working tree whose action.yml runs the pushed image."""
    repo = where / "repo"
    files = sh("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, files.stdout.split("\0")):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    action = (repo / "action.yml").read_text()
    (repo / "action.yml").write_text(
        action.replace("  image: Dockerfile", f"  image: docker://{image_repo}:{tag}")
    )
    (repo / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (repo / ".github" / "workflows" / "bench.yml").write_text("")
    sh("git", "init", "-q", cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "x", cwd=repo)
    return repo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    act = shutil.which("act")
    if act is None or shutil.which("docker") is None:
        print("needs docker and act on PATH: . /opt/testerarmy-tools/env.sh", file=sys.stderr)
        return 2
    urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=5).close()
    image_repo = f"{REGISTRY}/bench-{uuid.uuid4().hex[:8]}/testerarmy-wait"
    tag = "bench"
    image = f"{image_repo}:{tag}"
    sh(
        sys.executable, str(ROOT / "scripts" / "release.py"), "image", "--image-repo", image_repo,
        "--base-image", BASE_IMAGE, "--tag", tag, "--push",
    )  # fmt: skip
    size = sh("docker", "image", "inspect", "--format", "{{.Size}}", image).stdout.strip()
    built_tag = f"testerarmy-wait-bench:{uuid.uuid4().hex[:8]}"
    results: dict[str, list[float]] = {"act (pull)": [], "pull + run": [], "build + run": []}
    with tempfile.TemporaryDirectory() as tmp, Sandbox(speed=1000).start() as sandbox:
        work = Path(tmp) / "workspace"
        work.mkdir()
        repo = released_repo(image_repo, tag, Path(tmp))
        ways: dict[str, Callable[[], float]] = {
            "act (pull)": lambda: via_act(sandbox, image, repo, act),
            "pull + run": lambda: via_pull(sandbox, image, work),
            "build + run": lambda: via_build(sandbox, built_tag, work),
        }
        for round_ in range(1, args.rounds + 1):
            for name, way in ways.items():
                results[name].append(way())
            shown = ", ".join(f"{n} {v[-1]:.1f} s" for n, v in results.items())
            print(f"round {round_}: {shown}", file=sys.stderr, flush=True)
    forget(image)
    forget(built_tag)
    medians = {name: statistics.median(values) for name, values in results.items()}
    print(f"image {int(size) / 1e6:.0f} MB uncompressed; {args.rounds} rounds; medians:")
    print("| way | step start -> first API request | all rounds |")
    print("|---|---|---|")
    for name, values in results.items():
        print(f"| {name} | {medians[name]:.1f} s | {', '.join(f'{v:.1f}' for v in values)} |")
    ratio = medians["build + run"] / medians["pull + run"]
    print(f"\nbuilding the Dockerfile takes {ratio:.1f}x as long as pulling the released image")
    print(json.dumps({"medians_s": medians}, indent=None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
