# One image for the web, worker and migrate services of docker-compose.yml.
FROM python:3.11-slim-bookworm

# WeasyPrint renders verdict PDFs with Pango and subsets the embedded Noto CJK fonts with HarfBuzz.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-arphic-ukai \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REVIEW_DATA_DIR=/data

WORKDIR /app

# The locked dependencies first, so that a code change does not reinstall them.
COPY requirements-pip.lock requirements.lock ./
RUN pip install --require-hashes -r requirements-pip.lock && pip install --require-hashes -r requirements.lock

COPY pyproject.toml ./
COPY review ./review
COPY panels ./panels
COPY scoring ./scoring
COPY templates ./templates
# Editable, because settings look for templates/ beside the review package, where a wheel would not put it.
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /app review \
    && mkdir -p /data \
    && chown review /data

USER review
EXPOSE 8000
CMD ["review", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
