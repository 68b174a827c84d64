# The production image: one image for web (ASGI), Celery worker and Celery beat.
#   docker build -t delivery .
# Configuration comes from the environment at run time (see docker-compose.yml): DATABASE_URL,
# REDIS_URL, SECRET_KEY, BASE_DOMAIN, ALLOWED_HOSTS, ...
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# Dependencies first, in their own layer, so code changes don't reinstall them.
# Every pinned package ships a manylinux wheel, so no compiler or libpq is needed.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (STATIC_ROOT = /app/.data/static; WhiteNoise serves
# them). The settings only parse SECRET_KEY, DATABASE_URL and REDIS_URL, they don't connect, so
# dummy values for this one step are enough; none of them stays in the image.
RUN SECRET_KEY=collectstatic-build-only \
    DATABASE_URL=postgresql://build@localhost:5432/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0

# Run as an unprivileged user; it owns only the data folder (uploaded media under .data/media).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
    && mkdir -p /app/.data/media \
    && chown -R app:app /app/.data
USER app

EXPOSE 8000

# uvicorn with WEB_CONCURRENCY worker processes (default: one per CPU), HTTP and websockets.
CMD ["python", "-m", "scripts.web", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
