#!/usr/bin/env bash
# Regenerate requirements.lock: the hash-locked runtime dependencies of the container image
# (project.dependencies) plus the build requirements (build-system.requires), so the image can
# install everything with --require-hashes --no-deps and build the project with
# --no-build-isolation. Resolved for CPython 3.11 on linux x86_64; hashes cover every file of each
# pinned release, so newer Pythons (the python:3.13-slim base) install from the same lock.
#
#   scripts/lock-requirements.sh            # rewrite requirements.lock
#   scripts/lock-requirements.sh --upgrade  # also move every pin to its newest release
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/venv"
# Resolve against the package index pip is configured for, without local constraints or
# extra file locations; the lock records no index URL, only names, versions and hashes.
unset PIP_FIND_LINKS PIP_CONSTRAINT
"$work/venv/bin/pip" install -q "pip-tools>=7.4"

"$work/venv/bin/python" - "$root/pyproject.toml" >"$work/requirements.in" <<'EOF'
import sys
import tomllib

with open(sys.argv[1], "rb") as handle:
    data = tomllib.load(handle)
for requirement in data["project"]["dependencies"] + data["build-system"]["requires"]:
    print(requirement)
EOF

cp "$root/requirements.lock" "$work/requirements.lock" 2>/dev/null || true
(
    cd "$work"
    CUSTOM_COMPILE_COMMAND="scripts/lock-requirements.sh" "$work/venv/bin/pip-compile" \
        --quiet --generate-hashes --allow-unsafe --strip-extras \
        --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
        --output-file requirements.lock "$@" requirements.in
)
sed -i 's|    # via -r requirements.in|    # via pyproject.toml|' "$work/requirements.lock"
{
    echo "# Hash-locked runtime dependencies and build requirements of the container image."
    echo "# Install: pip install --require-hashes --no-deps -r requirements.lock"
    echo "# Regenerate after changing pyproject.toml: scripts/lock-requirements.sh"
    echo "# (pip-compile --generate-hashes --allow-unsafe in a throwaway venv, against PyPI)."
    cat "$work/requirements.lock"
} >"$root/requirements.lock"
echo "wrote $root/requirements.lock"
