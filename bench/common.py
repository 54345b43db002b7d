"""What the benchmarks share: a fresh PostgreSQL database and Django set up against it."""

from __future__ import annotations

import os


def setup_database(url):
    """Drop and re-create the database that `url` names (the benchmarks own theirs)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url, var_dir):
    """Django on `url` with the test settings (locmem e-mail), no Redis: the database is measured."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("VAR_DIR", var_dir)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
