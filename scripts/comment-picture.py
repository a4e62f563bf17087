"""Draw the README's picture of the pull-request comment: run the job on the sandbox's
checkout-flow scenario as a pull_request job, take the comment body the fake GitHub API stored,
render it the way GitHub renders comments (cmarkgfm, GitHub Flavored Markdown, raw HTML
filtered) and screenshot it with headless Chromium.

    .venv/bin/python scripts/comment-picture.py docs/pr-comment.png

Needs the test extras (cmarkgfm) and a ``chromium`` on PATH (Debian: apt install chromium
fonts-noto-color-emoji).
"""

from __future__ import annotations

import html
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cmarkgfm  # type: ignore[import-untyped]
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.forge import FakeForge  # noqa: E402

from testerarmy_wait.cli import main  # noqa: E402
from testerarmy_wait_sandbox import start_sandbox  # noqa: E402

STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif,
       "Noto Color Emoji"; color: #1f2328; background: #fff; margin: 0; }
.comment { width: 860px; margin: 16px; border: 1px solid #d1d9e0; border-radius: 6px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
        border-radius: 6px 6px 0 0; color: #59636e; }
.head b { color: #1f2328; }
.body { padding: 8px 16px 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h3 { font-size: 1.25em; }
table { border-collapse: collapse; margin: 8px 0; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%; }
a { color: #0969da; text-decoration: none; }
details { margin: 4px 0; }
summary { cursor: pointer; }
"""


def comment_body() -> str:
    """The body the job posts on a pull request, as the fake GitHub API received it."""
    with (
        start_sandbox(speed=2000.0) as sandbox,
        FakeForge() as forge,
        tempfile.TemporaryDirectory() as tmp,
    ):
        run_id = sandbox.create_run("checkout-flow")
        event = Path(tmp) / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 42, "head": {"sha": "e" * 40}}}))
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": tmp,
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_API_URL": forge.github_url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "9876543210",
            "GITHUB_WORKFLOW": "QA",
            "GITHUB_JOB": "qa",
            "INPUT_GITHUB-TOKEN": forge.state.github_token,
            "INPUT_RUN-ID": run_id,
            "INPUT_API-KEY": sandbox.api_key,
            "INPUT_API-URL": sandbox.url,
            "INPUT_POLL-INTERVAL": "0.05",
            "INPUT_RUN-URL": "https://tester.army/runs/{id}",
        }
        main([], env, io.StringIO(), io.StringIO())
        [comment] = forge.comments("acme/shop", 42)
        return comment.body


def page(markdown: str) -> str:
    rendered = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    rendered = rendered.replace("<details>", "<details open>", 1)  # as if a reader opened it
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<style>{STYLE}</style></head><body><div class='comment'>"
        "<div class='head'><b>github-actions</b> <span>bot</span> commented</div>"
        f"<div class='body'>{rendered}</div></div></body></html>"
    )


def screenshot(document: str, out: Path, height: int) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("comment-picture: no chromium on PATH (apt install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "comment.html"
        source.write_text(document, encoding="utf-8")
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--screenshot={out.resolve()}",
                f"--window-size=900,{height}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main_picture(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/pr-comment.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    body = comment_body()
    height = int(argv[1]) if len(argv) > 1 else 1040
    screenshot(page(body), out, height)
    print(f"wrote {out} ({out.stat().st_size} bytes) from a {len(body)}-character comment")
    print(html.escape(body.splitlines()[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main_picture(sys.argv[1:]))
