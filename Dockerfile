# testerarmy-wait: the GitHub container action and the image for GitLab CI and `docker run`.
# The base comes from a build argument so an equivalent local image can stand in for it:
#   docker build --build-arg BASE_IMAGE=testerarmy-wait-base:bookworm -t testerarmy-wait .
ARG BASE_IMAGE=python:3.13-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_NO_INPUT=1
RUN python3 -m venv /opt/venv
COPY requirements.lock /tmp/build/requirements.lock
RUN /opt/venv/bin/pip install --no-cache-dir --no-compile --require-hashes --no-deps \
        -r /tmp/build/requirements.lock
COPY pyproject.toml README.md /tmp/build/
COPY src /tmp/build/src
RUN /opt/venv/bin/pip install --no-cache-dir --no-compile --no-deps --no-build-isolation \
        /tmp/build \
    && /opt/venv/bin/pip uninstall --yes setuptools wheel packaging pip \
    && /opt/venv/bin/python -m compileall -q --invalidation-mode unchecked-hash /opt/venv/lib

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="testerarmy-wait" \
      org.opencontainers.image.description="Wait for tester.army AI QA runs and turn them into a CI verdict" \
      org.opencontainers.image.licenses="MIT"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY --from=build /opt/venv /opt/venv
COPY entrypoint.py /entrypoint.py
ENTRYPOINT ["/opt/venv/bin/python", "/entrypoint.py"]
