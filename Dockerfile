# Events API server image: Python 3.11, the locked runtime dependencies (uv.lock, no dev
# tools), runs as a non-root user, health-checked on /readyz.
#
#   docker build -t events-api-server .
#
# Build arguments:
#   PYTHON_IMAGE    base image with Python 3.11 on PATH as `python` (default python:3.11-slim)
#   EXTRA_CA_CERTS  a PEM file inside the build context whose CAs the build trusts besides
#                   the base image's (to install from PyPI behind a TLS-intercepting proxy).
#                   Only the build stage sees it: the final image has neither the file nor
#                   a trace of it in its layers.
ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: a virtual environment with the project and its locked dependencies ----------
FROM ${PYTHON_IMAGE} AS build
ARG EXTRA_CA_CERTS=docker/no-extra-ca.pem
# PIP_BREAK_SYSTEM_PACKAGES: a Debian-packaged Python refuses pip otherwise; pip only writes
# uv into /opt/uv here. PIP_CERT / SSL_CERT_FILE: pip and uv trust the extra CAs too.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1 \
    PIP_CERT=/tmp/build-ca.pem \
    SSL_CERT_FILE=/tmp/build-ca.pem \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
COPY ${EXTRA_CA_CERTS} /tmp/extra-ca.pem
RUN cat /etc/ssl/certs/ca-certificates.crt /tmp/extra-ca.pem > /tmp/build-ca.pem \
    && python -m pip install --quiet --target /opt/uv uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-install-project --python python
COPY README.md alembic.ini events_api_pytest.py events_api_launcher.py ./
COPY migrations ./migrations
COPY app ./app
# --no-editable: the project goes into the venv as a wheel (migrations included), so the
# final image needs nothing from /src.
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-editable --python python

# ---- final: the base image, the venv, a non-root user -------------------------------------
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:${PATH}" \
    EVENTS_HOST=0.0.0.0 \
    EVENTS_PORT=8080 \
    EVENTS_MIGRATE_ON_START=true
COPY --from=build /opt/venv /opt/venv
RUN useradd --system --uid 10001 --home-dir /srv/events-api --create-home events \
    && mkdir -p /srv/events-api/data && chown events /srv/events-api/data
WORKDIR /srv/events-api
USER events
EXPOSE 8080

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=3)"]

CMD ["events-api", "serve"]
