# testerarmy-wait: the GitHub container action and the image for GitLab CI and `docker run`.
# Released images are built from this file by scripts/release.py and published as
# ghcr.io/testerarmy-wait/testerarmy-wait:X.Y.Z. The base is pinned by digest; a build argument
# lets an equivalent local image stand in for it:
#   docker build --build-arg BASE_IMAGE=testerarmy-wait-base:bookworm -t testerarmy-wait .
ARG BASE_IMAGE=python:3.13-slim-bookworm@sha256:a58daefb915e1e03ad48f3ca4df8832065412c5c35cacb9d39f4229184de12b6

# Everything is compiled once at build time except what the step never imports: pydantic's
# bundled v1 API, its deprecated and experimental modules and its mypy plugin (a test runs the
# demo and checks). Left as source, they would still work, compiled in memory, if ever imported.
FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_NO_INPUT=1
RUN python3 -m venv /opt/venv
COPY requirements.lock /tmp/build/requirements.lock
RUN /opt/venv/bin/pip install --no-cache-dir --no-compile --require-hashes --no-deps \
        -r /tmp/build/requirements.lock
COPY pyproject.toml LICENSE /tmp/build/
COPY docs/pypi.md /tmp/build/docs/pypi.md
COPY src /tmp/build/src
COPY sandbox /tmp/build/sandbox
RUN /opt/venv/bin/pip install --no-cache-dir --no-compile --no-deps --no-build-isolation \
        /tmp/build /tmp/build/sandbox \
    && /opt/venv/bin/pip uninstall --yes setuptools wheel packaging pip \
    && /opt/venv/bin/python -m compileall -q --invalidation-mode unchecked-hash \
        -x '/pydantic/(v1|deprecated|experimental)/|/pydantic/mypy\.py' /opt/venv/lib

FROM ${BASE_IMAGE}
# Set by scripts/release.py; a plain `docker build` leaves them unknown.
ARG VERSION=unknown
ARG REVISION=unknown
ARG SOURCE=https://github.com/testerarmy-wait/testerarmy-wait
LABEL org.opencontainers.image.title="testerarmy-wait" \
      org.opencontainers.image.description="Wait for tester.army AI QA runs and turn them into a CI verdict" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY --from=build /opt/venv /opt/venv
COPY entrypoint.py /entrypoint.py
ENTRYPOINT ["/opt/venv/bin/python", "/entrypoint.py"]
