"""Danish is complete: every message catalogue translates every string, none fuzzy, all compiled."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/da/LC_MESSAGES/django.po") if ".venv" not in p.parts and "var" not in p.parts
)


def _entries(po_path):
    """Yield (msgid, [msgstr...], flags) for every entry of a .po file (header excluded)."""
    entry = {"flags": set(), "msgid": None, "msgstr": []}
    current = None

    def finish():
        if entry["msgid"]:  # the header has an empty msgid
            yield entry["msgid"], entry["msgstr"], entry["flags"]

    for raw in po_path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            yield from finish()
            entry = {"flags": set(), "msgid": None, "msgstr": []}
            current = None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            entry["msgid"] = ast.literal_eval(line[6:])
            current = "msgid"
        elif line.startswith("msgid_plural "):
            current = "plural"
        elif line.startswith("msgstr"):
            entry["msgstr"].append(ast.literal_eval(line.split(" ", 1)[1]))
            current = "msgstr"
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if current == "msgid":
                entry["msgid"] += text
            elif current == "msgstr":
                entry["msgstr"][-1] += text


def test_there_are_danish_catalogues():
    assert CATALOGUES, "no Danish translations found"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_danish_catalogue_is_complete(po_path):
    missing = [msgid for msgid, msgstrs, flags in _entries(po_path) if not all(msgstrs) or not msgstrs]
    fuzzy = [msgid for msgid, _, flags in _entries(po_path) if "fuzzy" in flags]
    assert not missing, f"untranslated in {po_path}: {missing[:10]}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy[:10]}"
    assert po_path.with_suffix(".mo").exists(), f"{po_path} is not compiled"
