# syntax=docker/dockerfile:1
# Live Social Analytics: one image for all five services, the migrations and the
# platform emulator. The command selects what runs:
#   docker run IMAGE serve connector --host 0.0.0.0 --port 8080
#   docker run IMAGE migrate connector
#   docker run IMAGE emulator --host 0.0.0.0 --port 8080
# Pin the base image by digest in CI (python:3.11-slim@sha256:...).
ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: resolve the locked runtime dependencies into a virtualenv ----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# .dockerignore keeps .git, .venv, data/, tests, caches and secrets out of the context.
COPY . .
# Runtime dependencies only (no [dev] extra), versions pinned by the lock file.
# pip compiles .pyc files at install time, so the read-only runtime never needs to.
RUN pip install --no-cache-dir -c constraints.txt .

# ---- runtime: no compilers, no sources, non-root -------------------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="live-social-analytics" \
      org.opencontainers.image.description="Live Social Analytics services (connector, ingestor, analytics, alerts, reports) and platform emulator"
RUN groupadd --system --gid 10001 lsa \
    && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home \
       --shell /usr/sbin/nologin lsa
COPY --from=build /opt/venv /opt/venv
# HOME and TMPDIR point at /tmp, which Kubernetes mounts as an emptyDir so the
# root filesystem can stay read-only. No secrets are baked in: all settings come
# from LSA_* environment variables at run time.
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    TMPDIR=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1
WORKDIR /tmp
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["lsa"]
CMD ["--help"]
