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
