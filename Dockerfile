# Kafedra's application image: web (gunicorn), Celery worker and Celery beat all run from it;
# docker-compose.yml picks the command. Configuration comes only from environment variables
# (docs/configuration.md); nothing secret is baked in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

RUN groupadd --system --gid 10001 kafedra \
    && useradd --system --uid 10001 --gid kafedra --home-dir /app --no-create-home --shell /usr/sbin/nologin kafedra

# bubblewrap isolates the untrusted code the sandbox worker runs (exams/sandbox); without it
# the sandbox refuses to run code (fail closed).
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*

# The pinned dependencies from pyproject.toml first, in their own layer: rebuilt only when
# pyproject.toml changes, not on every code change.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The sandbox runtimes (runtimes/<name>/requirements.txt) as venvs under var/runtimes, on this
# image's interpreter (under /usr, the only host directory the sandbox mounts). python-ml
# (PyTorch CPU, LightGBM, XGBoost, ONNX, SHAP: ~2 GB) is opt-in:
#   docker compose build --build-arg SANDBOX_RUNTIMES="python-basic python-ml"
ARG SANDBOX_RUNTIMES="python-basic"
COPY runtimes/ runtimes/
RUN set -e; \
    mkdir -p var/runtimes; \
    for name in $SANDBOX_RUNTIMES; do \
        extra=""; \
        if [ "$name" = python-ml ]; then extra="--extra-index-url https://download.pytorch.org/whl/cpu"; fi; \
        python -m venv "var/runtimes/$name"; \
        "var/runtimes/$name/bin/python" -m pip install --no-input --only-binary=:all: $extra \
            -r "runtimes/$name/requirements.txt"; \
        "var/runtimes/$name/bin/python" -m compileall -q "var/runtimes/$name/lib" > /dev/null || true; \
    done; \
    chmod -R a+rX,go-w var/runtimes

# Then the project itself. PYTHONPATH=/app makes this tree (with templates/, static/ and
# fixtures/ beside the code) the one that is imported.
COPY . .
RUN pip install --no-deps .

# Static files are collected at build time, with throw-away values for the settings that
# production requires; none of them ends up in the running container.
RUN SECRET_KEY=collectstatic-only-not-a-secret \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown kafedra:kafedra var var/media

USER kafedra

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
