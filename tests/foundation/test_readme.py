"""The README stays true: every environment variable the settings read is in its configuration
table, and the demo logins it lists are the ones seed_demo creates."""

import re
from pathlib import Path

from partnerportal.management.commands.seed_demo import DEMO_PASSWORD
from partners.demo import USERS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _settings_variables():
    source = (ROOT / "partnerportal" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r"""[eE]nv(?:\(\))?\.\w+\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))


def _table_variables():
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", README, re.M))


def test_every_setting_from_the_environment_is_documented():
    variables = _settings_variables()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= variables
    missing = variables - _table_variables()
    assert not missing, f"add to the README configuration table: {sorted(missing)}"


def test_demo_logins_match_seed_demo():
    assert f"**`{DEMO_PASSWORD}`**" in README
    for username, *_rest in USERS:
        assert f"| `{username}`" in README, username


def test_the_two_commands_and_the_api_docs_are_described():
    for text in ("make run", "make test", "/api/docs/", "/api/schema/", "docker compose up -d", "Authorization: Token"):
        assert text in README, text


def test_make_run_is_described_as_it_works():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    # `make run` installs the development requirements, and the README says so.
    assert "-r requirements-dev.txt" in makefile and "run: install" in makefile
    assert "requirements-dev.txt" in README
    # PORT: the README documents it, run.sh passes it on (honcho gives it to the web process) and
    # builds SITE_URL from it; the Procfile's web server listens on it.
    assert "PORT=8765 make run" in README and "| `PORT` |" in README
    assert 'export PORT="${PORT:-8000}"' in run_script and "localhost:${PORT}" in run_script
    assert "${PORT:-8000}" in procfile.split("web:")[1].splitlines()[0]
    # Celery's root warning is filtered for root only, and the README says why.
    assert 'if [ "$(id -u)" = 0 ]' in run_script and "superuser privileges" in run_script
    assert "superuser privileges" in README and "C_FORCE_ROOT" in README
