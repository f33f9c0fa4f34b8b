# Tingjian bot image. Build: docker build -t tingjian .
# Run with a PostgreSQL (see compose.yaml): docker run -e BOT_TOKEN=… -e DATABASE_URL=… tingjian
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY storage ./storage
COPY analysis ./analysis
COPY emulator ./emulator
RUN pip install --require-hashes -r requirements.lock && pip install --no-deps . \
    && useradd --system --home /data tingjian && mkdir -p /data && chown tingjian /data
USER tingjian
VOLUME ["/data"]
EXPOSE 8081

# Migrations are explicit: `docker run … tingjian db upgrade` (the compose file runs it first).
ENTRYPOINT ["tingjian"]
CMD ["run"]
