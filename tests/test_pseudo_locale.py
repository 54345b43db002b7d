"""One language per page, checked mechanically with a pseudo-translation.

The demo portal is seeded once for the module. Danish is then replaced by a pseudo-Danish: every message
found in the Danish catalogues (ours and Django's) comes back as its Danish text with each literal part
wrapped in ⟦…⟧ (placeholders stay outside the markers, so what is filled into a message is checked too).
A message that is not in a catalogue comes back unmarked, which catches `gettext(variable)` of a text that
no catalogue knows as well as text that never passed through gettext.

The pages are not listed by hand: as a host admin and as a partner manager, the test client walks the links
of the demo portal from the home page (one page per URL shape, numbers in the path are one shape). On every
page the visible text (text nodes outside <script>/<style>, the <title>, and the placeholder, title,
aria-label, alt, data-confirm and data-label-* attributes, the value of buttons, and chart labels handed to
the page's scripts) must be translated (marked), user data (a text stored in the database: see
`_user_data`), or free of letters (numbers, dates in digits, punctuation). The e-mails of every notification
template are rendered in pseudo-Danish and checked the same way.

A failure names the page and the offending text. To fix it: put the text in {% translate %} / gettext; for a
stored domain text (a KPI name, a choice label) translate it when it is shown, in the reader's language.
"""

import ast
import inspect
import io
import json
import re
import zoneinfo
from collections import defaultdict
from contextlib import contextmanager
from html.parser import HTMLParser
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from partners.models import User

OPEN, CLOSE = "⟦", "⟧"
PSEUDO = "da"  # pseudo-Danish replaces Danish: the portal's own logic (formats, field choice) stays Danish
# A placeholder that a message's caller fills in: %(name)s, %s, %d, {name}, {}. Kept out of the markers.
PLACEHOLDER = re.compile(r"%\([^)]+\)[#0+-]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[#0+-]*\d*(?:\.\d+)?[sdifr]|\{\w*\}")

# Not followed: signing out ends the walk, language switches change the user, the Django admin and the
# API documentation are Django's and DRF's, exports are downloads rather than pages.
SKIP = re.compile(r"^/(accounts/logout|i18n/|set-language|static/|media/|admin/|api/)|/(export|feed|ics|pdf|download)")
MAX_PAGES = 400
# Pages of one URL shape differ by their object's state (a held meeting shows frozen figures, a planned one the
# live agenda): a few of each are read.
PER_SHAPE = 3
USERS = ("admin", "danlog")  # a host admin and a partner manager of the demo

# Visible text that is rightly the same in every language: a language's name in that language (the
# language menu offers "Dansk" to someone who reads only Danish).
# The time zone menu names IANA zones ("Europe/Copenhagen").
SAME_IN_EVERY_LANGUAGE = {"Dansk", "English"} | zoneinfo.available_timezones()
# File formats are names in any language and any case ("CSV", "pdf").
FILE_FORMATS = {"csv", "xlsx", "pdf", "png", "jpg", "jpeg", "txt", "docx", "ics"}


def _format_words() -> set[str]:
    """The literal words inside the languages' date formats (partnerportal/formats/*/formats.py), such as
    the Danish "kl." of "1. dec. 2026 kl. 14:30": part of the format, not a text to translate."""
    from importlib import import_module

    words = set()
    for language in ("da", "en"):
        module = import_module(f"partnerportal.formats.{language}.formats")
        for name in dir(module):
            value = getattr(module, name)
            if name.endswith("_FORMAT") and isinstance(value, str):
                for literal in re.findall(r"(?:\\[A-Za-z])+\.?", value):
                    words |= {w for w in re.split(r"[\W_]+", literal.replace("\\", "")) if w}
    return words


FORMAT_WORDS = _format_words()
LETTER = re.compile(r"[^\W\d_]")
# What stays between two separators once marked text and user data are taken out.
SEPARATORS = re.compile(r"[\s·•|/,;:()\[\]{}\"'“”‘’«»→←↑↓–—\-+=<>*#&%.!?…]+")


# --- The pseudo-translation --------------------------------------------------------------------------------


def mark(text):
    """Wrap every literal part of a translated message in markers; placeholders stay outside."""
    parts, last = [], 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > last:
            parts.append(OPEN + text[last : match.start()] + CLOSE)
        parts.append(match.group())
        last = match.end()
    if last < len(text):
        parts.append(OPEN + text[last:] + CLOSE)
    return "".join(parts)


class PseudoTranslation:
    """The Danish translation, marked; a message that no Danish catalogue knows comes back unmarked."""

    def __init__(self, danish):
        self._danish = danish
        self._catalog = danish._catalog

    def __getattr__(self, name):
        return getattr(self._danish, name)

    def gettext(self, message):
        found = self._catalog.get(message)
        return message if found is None else mark(found)

    def ngettext(self, singular, plural, number):
        try:
            return mark(self._catalog.plural(singular, number))
        except KeyError:
            return singular if number == 1 else plural


@contextmanager
def pseudo_danish():
    danish = trans_real.translation(PSEUDO)
    trans_real._translations[PSEUDO] = PseudoTranslation(danish)
    try:
        with translation.override(PSEUDO):
            yield
    finally:
        trans_real._translations[PSEUDO] = danish
        if isinstance(getattr(trans_real._active, "value", None), PseudoTranslation):
            trans_real._active.value = danish  # the language active before was Danish: it stays, unmarked


def test_pseudo_translation_marks_what_the_catalogues_translate():
    from django.template import Context, Template
    from django.utils.translation import gettext, ngettext, pgettext

    template = Template(
        "{% load i18n %}{% translate 'Save' %} {% blocktranslate count h=3 %}{{ h }} hour{% plural %}{{ h }} hours"
        "{% endblocktranslate %}"
    )
    with pseudo_danish():
        assert gettext("Save") == "⟦Gem⟧"
        assert pgettext("status", "Open") == "⟦Åben⟧"
        assert ngettext("%(h)s hour", "%(h)s hours", 2) % {"h": 2} == "2⟦ timer⟧"
        assert gettext("No catalogue knows this") == "No catalogue knows this"
        rendered = template.render(Context())
        assert rendered == "⟦Gem⟧ 3⟦ timer⟧"
    with translation.override("en"):
        assert translation.gettext("Save") == "Save"
    with translation.override("da"):
        assert translation.gettext("Save") == "Gem"
    assert mark("%(n)s of %(total)s done") == "%(n)s⟦ of ⟧%(total)s⟦ done⟧"


# --- Visible text ------------------------------------------------------------------------------------------

TEXT_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "data-confirm", "aria-description", "aria-valuetext"}
BUTTON_TYPES = {"submit", "button", "reset"}
# Not language: a form field's current value (as an <input>'s value is not), and code, such as the column names
# of an import file.
NOT_TEXT = {"style", "textarea", "code", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a person sees or hears: pieces in document order, with the element they are in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces = []  # (where, text)
        self.stack = []
        self.charts = []  # JSON handed to scripts

    def _where(self):
        for tag, attrs in reversed(self.stack):
            if attrs.get("id"):
                return f"{tag}#{attrs['id']}"
        return self.stack[-1][0] if self.stack else "document"

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag not in VOID:
            self.stack.append((tag, attrs))
        where = f"{tag}#{attrs['id']}" if attrs.get("id") else tag
        for name, value in attrs.items():
            if value.strip() and (name in TEXT_ATTRIBUTES or name.startswith("data-label")):
                self.pieces.append((f"{where}[{name}]", value))
        if tag == "input" and attrs.get("type") in BUTTON_TYPES and attrs.get("value"):
            self.pieces.append((f"{where}[value]", attrs["value"]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        tag, attrs = self.stack[-1] if self.stack else ("", {})
        if tag == "script":
            if attrs.get("type") == "application/json":
                self.charts.append((self._where(), data))
            return
        if not data.strip() or any(ancestor in NOT_TEXT for ancestor, _ in self.stack):
            return
        self.pieces.append((self._where(), data))


def _chart_labels(data):
    """The strings a chart draws: values of "label" keys and items of "labels" lists."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "label" and isinstance(value, str):
                yield value
            elif key == "labels" and isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))
            else:
                yield from _chart_labels(value)
    elif isinstance(data, list):
        for item in data:
            yield from _chart_labels(item)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    pieces = list(parser.pieces)
    for where, data in parser.charts:
        try:
            pieces.extend((f"{where} (chart label)", label) for label in _chart_labels(json.loads(data)))
        except ValueError:
            continue
    return pieces


# --- User data ---------------------------------------------------------------------------------------------


def _stored_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _stored_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _stored_strings(item)


# Models whose stored texts are domain texts: a standard KPI's name, unit and texts are messages of the catalogue,
# shown through gettext in the reader's language. Their values (and the strings frozen in JSON fields, such as a
# held meeting's KPI names) are user data only when no catalogue knows them.
DOMAIN_TEXT_MODELS = {"kpis.kpidefinition", "kpis.historicalkpidefinition"}


def _user_data():
    """Every text stored in the database, except domain texts the portal must translate when it shows them
    (see DOMAIN_TEXT_MODELS), the English half of a Danish/English pair of fields, and the values of fields with
    choices (codes, whose labels are translated)."""
    catalogue = trans_real.translation(PSEUDO)._catalog
    stored = set()
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
            and not (f.name.endswith("_en") and f.name[:-3] + "_da" in names)
        ]
        if not fields:
            continue
        domain = [model._meta.label_lower in DOMAIN_TEXT_MODELS or isinstance(f, models.JSONField) for f in fields]
        for row in model._default_manager.values_list(*(f.attname for f in fields)):
            for value, is_domain_text in zip(row, domain, strict=True):
                for text in _stored_strings(value):
                    for line in {text, *text.splitlines()}:
                        line = " ".join(line.split())
                        if LETTER.search(line) and not (is_domain_text and catalogue.get(line) is not None):
                            stored.add(line)
    stored.update(" ".join(user.get_full_name().split()) for user in User.objects.all())
    # The inbox shows a stored e-mail's first lines, cut short (Truncator's "…" is translated and marked).
    from partnerportal.notifications.models import Notification, summary_of

    # Cut as the page cuts it: in the pseudo language, whose marked ellipsis is longer than "…".
    with pseudo_danish():
        summaries = [summary_of(body) for body in Notification.objects.values_list("body", flat=True)]
    for summary in summaries:
        summary = " ".join(summary.split())
        summary = summary.removesuffix(f"{OPEN}…{CLOSE}").removesuffix("…").strip()
        if LETTER.search(summary):
            stored.add(summary)
    by_first_word = defaultdict(list)
    for text in stored:
        first = WORD.search(text)
        if first:
            by_first_word[first.group()].append((first.start(), text))
    for texts in by_first_word.values():
        texts.sort(key=lambda pair: len(pair[1]), reverse=True)
    return by_first_word


WORD = re.compile(r"\w+")


def _take_out_user_data(text, user_data):
    """The text with every stored string (on word boundaries) replaced by a separator."""
    out, index = [], 0
    for word in WORD.finditer(text):
        if word.start() < index:
            continue
        for offset, candidate in user_data.get(word.group(), ()):
            start, end = word.start() - offset, word.start() - offset + len(candidate)
            if (
                start >= index
                and text.startswith(candidate, start)
                and (start == 0 or not text[start - 1].isalnum())
                and (end == len(text) or not text[end].isalnum())
            ):
                out.append(text[index:start] + " | ")
                index = end
                break
    out.append(text[index:])
    return "".join(out)


MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")


def untranslated(pieces, user_data):
    """[(where, text)] of the visible text that is neither marked, nor user data, nor free of letters."""
    # Markers may open in one text node and close in another (a translation with a link inside): join the
    # pieces, take the marked parts out, and split again.
    joined = "\x00".join(text for _, text in pieces)
    marked = [False] * len(joined)
    for match in MARKED.finditer(joined):
        marked[match.start() : match.end()] = [True] * (match.end() - match.start())
    found, start = [], 0
    for where, original in pieces:
        end = start + len(original)
        text = "".join("\x01" if marked[i] else joined[i] for i in range(start, end))
        start = end + 1
        for part in text.split("\x01"):
            part = " ".join(part.split())
            if not LETTER.search(part) or part in SAME_IN_EVERY_LANGUAGE:
                continue
            rest = _take_out_user_data(part, user_data)
            leftovers = [
                w
                for w in SEPARATORS.split(rest)
                if LETTER.search(w)
                and w not in SAME_IN_EVERY_LANGUAGE
                and w not in FORMAT_WORDS
                and w.lower() not in FILE_FORMATS
            ]
            if leftovers:
                found.append((where, " ".join(original.split())[:160]))
    return found


def test_untranslated_finds_what_is_neither_marked_nor_stored():
    user_data = defaultdict(list, {"Alfa": [(0, "Alfa Logistik A/S")], "Lager": [(0, "Lager Nord")]})
    html = (
        "<title>⟦Partnere⟧ · Alfa Logistik A/S</title><p>⟦Ejet af ⟧<a>Lager Nord</a>⟦.⟧</p>"
        "<p>12.5 %, 2026-11-30</p><button aria-label='Close'>x</button><p>⟦Leveret af <b>⟧Alfa Logistik A/S"
        "⟦</b> den ⟧1. ⟦december⟧ 2026</p><p>Delivery time (hours)</p><p>Alfa Logistik</p><p>Lager Nordic</p>"
        '<script>var x = "English";</script><script type="application/json">{"label": "Actual"}</script>'
    )
    found = [text for _, text in untranslated(visible_text(html), user_data)]
    assert found == ["Close", "x", "Delivery time (hours)", "Alfa Logistik", "Lager Nordic", "Actual"]


# --- The walk ----------------------------------------------------------------------------------------------


def _shape(path):
    return re.sub(r"/\d+", "/N", path)


LINK = re.compile(r"""<a\b[^>]*\bhref=["']([^"'#]+)""")


def _walk(client, problems, user_data):
    """Walk the links from the home page, up to PER_SHAPE pages of each URL shape; return the visited URLs."""
    queue, done, shapes, visited = ["/"], set(), defaultdict(int), []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        path, shape = urlsplit(url).path, _shape(urlsplit(url).path)
        if path in done or shapes[shape] >= PER_SHAPE:
            continue
        done.add(path)
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        here = response.request["PATH_INFO"]
        if here != path and (here in done or shapes[_shape(here)] >= PER_SHAPE):
            continue  # redirected to a page already checked
        done.add(here)
        shapes[_shape(here)] += 1
        visited.append(url)
        html = response.content.decode()
        for where, text in untranslated(visible_text(html), user_data):
            problems[(text, where)].append(url)
        for href in LINK.findall(html):
            parts = urlsplit(urljoin(url, href.replace("&amp;", "&")))
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver") or SKIP.search(parts.path):
                continue
            if parts.path not in done and shapes[_shape(parts.path)] < PER_SHAPE:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return visited


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo portal, seeded once for the module and rolled back after it; every user reads Danish.

    Yields the user data (see `_user_data`) and, per e-mail template, the first recipient and context that the
    seed notified with."""
    from partnerportal.notifications import services

    emails = {}
    real_render_for = services.render_for

    def render_for(user, template, context):
        emails.setdefault(template, (user, context))
        return real_render_for(user, template, context)

    with django_db_blocker.unblock(), transaction.atomic():
        with mock.patch.object(services, "render_for", render_for):
            call_command("seed_demo", stdout=io.StringIO())
            _run_scheduled_tasks()
        User.objects.update(language=PSEUDO)
        yield SimpleNamespace(user_data=_user_data(), emails=emails)
        transaction.set_rollback(True)


def _run_scheduled_tasks():
    """The periodic tasks that notify (reminders, escalations, overdue actions), so their e-mails are seen."""
    from celery import current_app

    for name, task in sorted(current_app.tasks.items()):
        if name.split(".")[0] not in {"agreements", "meetings", "relations", "kpis"}:
            continue
        parameters = inspect.signature(task.run).parameters.values()
        if all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
            task()  # a periodic task (one that needs arguments is started by another)


@pytest.mark.django_db
def test_every_page_speaks_one_language(demo):
    problems, counts = defaultdict(list), {}
    with pseudo_danish():
        for username in USERS:
            client = Client()
            client.force_login(User.objects.get(username=username))
            counts[username] = len(_walk(client, problems, demo.user_data))
    assert counts["admin"] > 80 and counts["danlog"] > 40, f"the walk found too few pages: {counts}"
    assert not problems, _report(problems)


def _report(problems):
    lines = []
    for (text, where), urls in sorted(problems.items(), key=lambda item: item[1][0]):
        more = f" (+{len(urls) - 3} more)" if len(urls) > 3 else ""
        lines.append(f"{text!r} in {where} on {', '.join(dict.fromkeys(urls[:3]))}{more}")
    return (
        f"{len(lines)} texts are neither translated nor user data (text in element on pages; ⟦…⟧ marks what is "
        "translated). Put them in {% translate %} / gettext, or show a stored domain text in the reader's "
        "language:\n" + "\n".join(lines)
    )


# --- E-mails -----------------------------------------------------------------------------------------------

URL = re.compile(r"https?://\S+")


def _email_templates():
    """Every notification e-mail template of the project (the prefix of its _subject.txt and _body.txt)."""
    from django.conf import settings

    found = set()
    for path in settings.BASE_DIR.glob("**/templates/**/*_subject.txt"):
        relative = str(path.relative_to(settings.BASE_DIR)).split("templates/", 1)[-1]
        if ".venv" not in path.parts and not relative.startswith("registration/"):  # Django's password reset
            found.add(relative.removesuffix("_subject.txt"))
    return found


@pytest.mark.django_db
def test_every_email_speaks_one_language(demo):
    from partnerportal.notifications.services import render_for

    problems = defaultdict(list)
    for template, (user, context) in sorted(demo.emails.items()):
        user.language = PSEUDO
        with pseudo_danish():
            subject, body = render_for(user, template, context)
        if OPEN not in subject:
            problems[(subject, "subject (nothing in it is translated)")].append(template)
        pieces = [("subject", subject)] + [("body", URL.sub(" ", line)) for line in body.splitlines()]
        for where, text in untranslated(pieces, demo.user_data):
            problems[(text, where)].append(template)
    assert len(demo.emails) >= 10, f"the demo sent too few kinds of e-mail to check: {sorted(demo.emails)}"
    assert not problems, _report(problems)


def test_every_email_template_translates_its_text():
    """The templates the demo does not send (see above) are read: text outside {% blocktranslate %} has no
    letters. What their variables hold is checked where the demo sends them."""
    from django.template import engines
    from django.template.base import Lexer, TokenType

    problems = []
    for template in sorted(_email_templates()):
        for part in ("subject", "body"):
            name = f"{template}_{part}.txt"
            source = engines["django"].engine.get_template(name).source
            inside = 0
            for token in Lexer(source).tokenize():
                if token.token_type == TokenType.BLOCK:
                    command = token.contents.split(" ", 1)[0]
                    inside += command in ("blocktranslate", "blocktrans")
                    inside -= command in ("endblocktranslate", "endblocktrans")
                elif token.token_type == TokenType.TEXT and not inside and LETTER.search(URL.sub("", token.contents)):
                    problems.append(f"{name}: {' '.join(token.contents.split())[:120]!r}")
    assert len(_email_templates()) > 20
    assert not problems, "text outside {% translate %} / {% blocktranslate %} in e-mails:\n" + "\n".join(problems)


# --- What the walk cannot see: the source of flash messages, errors, labels and choices ------------------

MESSAGE_FUNCTIONS = {"success", "info", "warning", "error", "debug"}
TEXT_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"}


def _literal_text(node):
    """The letters a str literal or f-string writes itself (not what it interpolates), else ''."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if LETTER.search(node.value) else ""
    if isinstance(node, ast.JoinedStr):
        return "".join(_literal_text(part) for part in node.values if isinstance(part, ast.Constant))
    return ""


def _untranslated_in_source(tree):
    """(line, text) of literals shown to people without gettext: flash messages, ValidationError, field and
    form labels and help texts, and choice labels."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
            shown = []
            if owner == "messages" and name in MESSAGE_FUNCTIONS and len(node.args) > 1:
                shown.append(node.args[1])
            elif owner == "messages" and name == "add_message" and len(node.args) > 2:
                shown.append(node.args[2])
            elif name == "ValidationError" and node.args:
                shown.append(node.args[0])
            elif name.endswith("Field") and name not in {"OneToOneField", "ManyToManyField"} and node.args:
                shown.append(node.args[0])  # a model field's verbose name
            shown += [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
            for value in shown:
                if _literal_text(value):
                    yield node.lineno, _literal_text(value)
        elif isinstance(node, ast.ClassDef) and any(
            getattr(base, "attr", getattr(base, "id", "")) in {"TextChoices", "IntegerChoices"} for base in node.bases
        ):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    label = statement.value.elts[-1]
                    if len(statement.value.elts) > 1 and _literal_text(label):
                        yield statement.lineno, _literal_text(label)


def test_untranslated_in_source_finds_literals():
    source = (
        "messages.success(request, 'Saved.')\nmessages.error(request, f'{label}: {error}')\n"
        "raise ValidationError(_('Too long.'))\nraise ValidationError(f'Bad {x}')\n"
        "name = models.CharField('name', help_text=_('Shown'))\n"
        "class Status(models.TextChoices):\n    OPEN = 'open', 'Open'\n    DONE = 'done', _('Done')\n"
    )
    found = sorted(text for _, text in _untranslated_in_source(ast.parse(source)))
    assert found == ["Bad ", "Open", "Saved.", "name"]


def test_no_untranslated_literal_in_the_source():
    from django.conf import settings

    problems = []
    for path in sorted(settings.BASE_DIR.glob("**/*.py")):
        relative = path.relative_to(settings.BASE_DIR)
        # The API and its schema speak English to developers (as DRF's own messages do).
        if relative.parts[0] in {".venv", "tests", "var", "bench"} or {"migrations", "api"} & set(relative.parts):
            continue
        for line, text in _untranslated_in_source(ast.parse(path.read_text(encoding="utf-8"))):
            problems.append(f"{relative}:{line}: {text!r}")
    assert not problems, "shown to people without gettext (wrap it in _()):\n" + "\n".join(problems)
