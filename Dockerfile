# Events API server image: Python 3.11, locked dependencies, non-root, health-checked.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH="/opt/venv/bin:${PATH}"

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /srv/events-api
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
COPY events_api_pytest.py ./
RUN uv sync --frozen --no-dev \
    && useradd --system --uid 10001 --home-dir /srv/events-api events \
    && mkdir -p /srv/events-api/data && chown events /srv/events-api/data

USER events
EXPOSE 8080
ENV EVENTS_HOST=0.0.0.0 \
    EVENTS_PORT=8080 \
    EVENTS_MIGRATE_ON_START=true

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=3)"]

CMD ["events-api", "serve"]
