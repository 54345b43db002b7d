# Partner portal: one image for web (gunicorn), Celery worker and Celery beat.
#   docker build -t partnerportal .
#   docker compose up        (see docker-compose.yml; needs SECRET_KEY in .env)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

# An unprivileged user owns only the writable runtime directory (/app/var); the code stays root-owned.
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so that code changes reuse this layer. All pinned packages ship wheels.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The code, listed explicitly so that a local .env, .venv, var/ (SQLite, mail) or .git never
# ends up in the image. A new Django app directory must be added here
# (tests/test_deployment_files.py checks this against INSTALLED_APPS).
COPY manage.py ./
COPY partnerportal ./partnerportal
COPY partners ./partners
COPY kpis ./kpis
COPY agreements ./agreements
COPY meetings ./meetings
COPY relations ./relations
COPY templates ./templates
COPY static ./static
# Compiled translations (.mo) are committed, so no gettext/compilemessages is needed here.
COPY locale ./locale

RUN mkdir -p /app/var/media /app/var/mail \
    && chown -R app:app /app/var

USER app

# Static files into $VAR_DIR/staticfiles (served by whitenoise). The key only lets the settings
# load for this one command; it is not stored in the image's environment.
RUN SECRET_KEY=collectstatic-build-only-not-a-real-secret DEBUG=0 \
    python manage.py collectstatic --noinput

EXPOSE 8000

CMD ["gunicorn", "partnerportal.wsgi:application", "-c", "python:partnerportal.gunicorn_conf", \
     "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", "--error-logfile", "-"]
