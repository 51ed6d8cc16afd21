# Leumund service image. Build: docker build -t leumund .
# Run:   docker run -d --name leumund -v leumund-data:/data \
#          -v $PWD/config.yaml:/etc/leumund/config.yaml:ro \
#          -e LEUMUND_SMTP_PASSWORD leumund
# (use storage.url: sqlite:////data/leumund.db or a PostgreSQL URL in config.yaml, and
#  mail.directory: /data/mail; with PostgreSQL see compose.yaml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LEUMUND_CONFIG=/etc/leumund/config.yaml

RUN useradd --system --create-home --home-dir /data --shell /usr/sbin/nologin leumund

WORKDIR /app
# CPU-only torch first, so pip does not pull a CUDA build.
RUN pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY leumund ./leumund
COPY crawler ./crawler
COPY sentiment ./sentiment
COPY alerts ./alerts
COPY storage ./storage
RUN pip install .

USER leumund
WORKDIR /data
VOLUME ["/data"]
# Healthy while the config loads and the database answers (`leumund status` exits 2 if not).
HEALTHCHECK --interval=5m --timeout=60s --start-period=2m --retries=3 \
    CMD leumund status > /dev/null || exit 1
# SIGTERM (docker stop) stops the service cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["leumund"]
CMD ["run"]
