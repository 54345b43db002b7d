"""The compiled Danish catalogue of relations is in sync with its .po file (a stale .mo shows English)."""

import gettext
from pathlib import Path

from django.conf import settings

from tests.test_i18n import _entries

PO = Path(settings.BASE_DIR) / "relations/locale/da/LC_MESSAGES/django.po"


def test_every_translation_is_compiled():
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        msgid for msgid, msgstrs, _flags in _entries(PO) if len(msgstrs) == 1 and compiled.gettext(msgid) != msgstrs[0]
    ]
    assert not stale, f"recompile the catalogue (manage.py compilemessages): {stale[:5]}"
