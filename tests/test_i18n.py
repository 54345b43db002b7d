"""Danish is complete and speaks one language per page.

Every message catalogue translates every string, none fuzzy, every placeholder kept, all compiled; a message
(with its context) means the same in every catalogue, and what a page shows is the catalogue's word, not a word
from another app's or Django's own catalogue that happens to share the English msgid.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/da/LC_MESSAGES/django.po") if ".venv" not in p.parts and "var" not in p.parts
)
CONTEXT_SEPARATOR = "\x04"  # how gettext keys a message with a context: "context\x04msgid"
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]")


def _new_entry():
    return {"flags": set(), "msgctxt": None, "msgid": None, "plural": None, "msgstr": []}


def _parse(po_path):
    """Yield every entry of a .po file (the header, with its empty msgid, excluded) as a dict."""
    entry = _new_entry()
    current = None
    for raw in po_path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        # An entry ends at a blank line, or at a comment or msgctxt/msgid that follows a msgstr.
        starts_new = line.startswith(("#", "msgctxt ", "msgid ")) and current == "msgstr"
        if not line or starts_new:
            if entry["msgid"]:
                yield entry
            entry = _new_entry()
            current = None
            if not line:
                continue
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            entry["msgctxt"] = ast.literal_eval(line[8:])
            current = "msgctxt"
        elif line.startswith("msgid "):
            entry["msgid"] = ast.literal_eval(line[6:])
            current = "msgid"
        elif line.startswith("msgid_plural "):
            entry["plural"] = ast.literal_eval(line[13:])
            current = "plural"
        elif line.startswith("msgstr"):
            entry["msgstr"].append(ast.literal_eval(line.split(" ", 1)[1]))
            current = "msgstr"
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if current == "msgstr":
                entry["msgstr"][-1] += text
            elif current:
                entry[current] += text


def _key(entry):
    return f"{entry['msgctxt']}{CONTEXT_SEPARATOR}{entry['msgid']}" if entry["msgctxt"] else entry["msgid"]


def _entries(po_path):
    """Yield (key, [msgstr...], flags) per entry; the key is the msgid, "context\\x04msgid" with a context."""
    for entry in _parse(po_path):
        yield _key(entry), entry["msgstr"], entry["flags"]


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def _lost_placeholders(entry):
    """The msgstrs that lack (or add) a python-format placeholder of their msgid (msgid_plural for plurals)."""
    lost = []
    for index, msgstr in enumerate(entry["msgstr"]):
        source = entry["msgid"] if index == 0 or not entry["plural"] else entry["plural"]
        wanted = set(_placeholders(source))
        if entry["plural"] and index == 0:  # Danish singular may say "én" instead of the count
            wanted |= set(_placeholders(entry["plural"]))
            if not set(_placeholders(msgstr)) <= wanted or not set(_placeholders(source)) - {"%(count)s", "%d"} <= set(
                _placeholders(msgstr)
            ):
                lost.append((entry["msgid"], msgstr))
        elif set(_placeholders(msgstr)) != wanted:
            lost.append((entry["msgid"], msgstr))
    return lost


def test_there_are_danish_catalogues():
    assert CATALOGUES, "no Danish translations found"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_danish_catalogue_is_complete(po_path):
    entries = list(_parse(po_path))
    missing = [e["msgid"] for e in entries if not e["msgstr"] or not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    lost = [pair for e in entries for pair in _lost_placeholders(e)]
    assert not missing, f"untranslated in {po_path}: {missing[:10]}"
    assert not fuzzy, f"fuzzy in {po_path}: {fuzzy[:10]}"
    assert not lost, f"a placeholder of the msgid is missing from the msgstr in {po_path}: {lost[:10]}"
    assert po_path.with_suffix(".mo").exists(), f"{po_path} is not compiled"


def test_the_parser_sees_what_msgfmt_sees(tmp_path):
    """The checks above read context, plurals, flags and entries not separated by a blank line."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: da\\n"\n\n'
        '#, fuzzy\nmsgctxt "status"\nmsgid "Open"\nmsgstr "Åben"\n'
        '#: x.py:1\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s dag"\nmsgstr[1] "dage"\n\n'
        'msgid "Hello %(name)s"\nmsgstr ""\n"Hej"\n',
        encoding="utf-8",
    )
    entries = list(_parse(po))
    assert [_key(e) for e in entries] == ["status\x04Open", "%(n)s day", "Hello %(name)s"]
    assert "fuzzy" in entries[0]["flags"] and "fuzzy" not in entries[1]["flags"]
    assert _lost_placeholders(entries[1]) == [("%(n)s day", "dage")]
    assert _lost_placeholders(entries[2]) == [("Hello %(name)s", "Hej")]


def _translations():
    """{key: {msgstr: [catalogue, ...]}} over all Danish catalogues (singular messages)."""
    found = {}
    for po_path in CATALOGUES:
        for entry in _parse(po_path):
            if entry["plural"] is None and entry["msgstr"]:
                relative = str(po_path.relative_to(ROOT))
                where = relative.split("/locale/")[0] if "/locale/" in relative else "locale"
                found.setdefault(_key(entry), {}).setdefault(entry["msgstr"][0], []).append(where)
    return found


def test_a_message_means_the_same_in_every_catalogue():
    """Django merges the catalogues into one: two translations of one msgid means one app shows the other's."""
    clashes = {key: places for key, places in _translations().items() if len(places) > 1}
    assert not clashes, f"give these one translation, or a message context (pgettext): {clashes}"


def test_every_page_shows_its_own_catalogues_word():
    """No Danish word is shadowed by another catalogue (Django's admin says "Funktion" for "Action")."""
    with translation.override("da"):
        shadowed = {}
        for key, places in _translations().items():
            context, _, msgid = key.rpartition(CONTEXT_SEPARATOR)
            shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            for ours, where in places.items():
                if shown != ours:
                    shadowed[key] = (ours, where, shown)
    assert not shadowed, f"(our translation, in, what Django shows): {shadowed}"


# --- The same English word, two Danish meanings: the pages show the right one ---------------------------------


def _danish_client(user, client_as):
    user.language = "da"
    user.save()
    return client_as(user)


def test_open_status_is_aaben_and_open_button_is_aabn_on_the_partner_page(world, client_as):
    """The partner page shows an agreement's "Open" link and a case's "Open" status side by side."""
    from tests.agreements import helpers as agreement_helpers
    from tests.relations import helpers as relation_helpers

    agreement_helpers.revision(world, world.partner_a)  # version 2 is open for sign-off
    relation_helpers.case(world, world.partner_a)
    from tests.partners.hub import hub_page

    client = _danish_client(world.a_viewer, client_as)
    page = hub_page(client, world.partner_a)  # the case is in the relationship section, loaded lazily
    assert re.search(r'id="section-agreements".*?">Åbn</a>', page, re.S), "the link to the open version"
    assert re.search(r"Missed pick-ups Alfa Logistik A/S</a> <span[^>]*>· Åben</span>", page), "the case status"
    assert "Funktion" not in page and "Åbn</span>" not in page


def test_case_status_open_is_aaben_on_the_case_pages(world, client_as):
    from tests.relations import helpers as relation_helpers

    case = relation_helpers.case(world, world.partner_a)
    client = _danish_client(world.manager, client_as)
    detail = client.get(reverse("relations:case_detail", args=[case.pk])).content.decode()
    assert re.search(r'id="case-status">Åben</span>', detail)
    listing = client.get(reverse("relations:case_list")).content.decode()
    assert re.search(r'">Åben</span>', listing) and ">Åbn<" not in listing


def test_agreement_open_button_is_aabn(world, client_as):
    from tests.agreements import helpers as agreement_helpers

    version = agreement_helpers.revision(world, world.partner_a)
    client = _danish_client(world.a_viewer, client_as)
    page = client.get(reverse("agreements:detail", args=[version.agreement_id])).content.decode()
    assert re.search(r'id="open-version".*?">Åbn</a>', page, re.S)


def test_action_list_says_aaben_for_the_status_and_titel_for_the_title(world, client_as):
    from tests.meetings import helpers as meeting_helpers

    meeting_helpers.action_for(world, world.partner_a)
    client = _danish_client(world.manager, client_as)
    page = client.get(reverse("meetings:action_list")).content.decode()
    assert '<option value="open" selected>Åben</option>' in page or '<option value="open">Åben</option>' in page
    assert "<td>Åben</td>" in page, "the status column"
    assert "<th>Titel</th>" in page and "Funktion" not in page and ">Åbn<" not in page


def test_survey_list_period_column_is_not_a_verb(world, client_as):
    from tests.relations import helpers as relation_helpers

    relation_helpers.survey(world, world.partner_a)
    client = _danish_client(world.manager, client_as)
    page = client.get(reverse("relations:survey_list")).content.decode()
    assert "<th>Svarperiode</th>" in page and ">Åbn<" not in page


def test_case_escalation_email_says_the_case_is_aaben(world):
    """E-mails render status labels through the same merged catalogue: "Open" must not become the verb there."""
    from datetime import timedelta

    from django.utils import timezone

    from partnerportal.notifications.models import Notification
    from relations import tasks
    from relations.models import Case
    from tests.relations import helpers as relation_helpers

    for user in (world.admin, world.manager, world.a_manager, world.a_viewer):
        user.language = "da"
        user.save()
    case = relation_helpers.case(world, world.partner_a)
    Case.objects.filter(pk=case.pk).update(last_progress_at=timezone.now() - timedelta(hours=30))
    assert tasks.escalate_overdue_cases() == 1
    bodies = list(Notification.objects.filter(kind="relations.case_escalation").values_list("body", flat=True))
    assert bodies and all("(Åben)" in body and "Åbn" not in body for body in bodies), bodies
