"""How a measurement's fields are read from a file or a payload: one source for the import page, the
ingestion API and the bulk loader (`kpis_load_csv`), so that a row one of them accepts the others accept.

The checks on the values read (assignment, period in the future, ranges, parts, the same key twice,
days counted twice, the site's owner) live in `services.check_measurement` / `check_overlaps` for the
services and in set-based SQL in the loader; tests/kpis/test_parity.py feeds the same rows to both.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from django.db.models import Q
from django.db.models.functions import Lower, Trim
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from partnerportal import policy
from partners.selectors import partner_queryset, site_queryset

from .models import KPIDefinition, PeriodKind

PLAIN_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m")
PERIOD_KINDS = {"dag": "day", "uge": "week", "måned": "month", "maaned": "month"}


def parse_number(raw, *, field_label: str) -> float | None:
    """A number, or None for an empty field; `12,5` and `1.234,5` are Danish decimals. Refuses text,
    NaN and infinities (also a number too large to be finite, e.g. 1e999)."""
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = float(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if text == "":
            return None
        if "," in text and "." in text:
            # 1.234,5 (Danish) or 1,234.5 (English): the last separator is the decimal one.
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        if not PLAIN_NUMBER.fullmatch(text):
            raise ValueError(_("“%(raw)s” is not a number (%(field)s).") % {"raw": raw, "field": field_label})
        number = float(text)
    if not math.isfinite(number):
        raise ValueError(_("“%(raw)s” is not a finite number (%(field)s).") % {"raw": raw, "field": field_label})
    return number


def parse_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    if ISO_DAY.fullmatch(text):  # the usual form, without strptime's cost; else as strptime reads it
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(raw)s” is not a date (use YYYY-MM-DD).") % {"raw": text})


def parse_period_kind(raw) -> str:
    """The period kind (day when empty; Danish names accepted); raises ValueError for anything else."""
    kind = str(raw or "day").strip().lower()
    kind = PERIOD_KINDS.get(kind, kind)
    if kind not in PeriodKind.values:
        raise ValueError(_("The period must be day, week or month (got “%(v)s”).") % {"v": kind})
    return kind


def _key(value) -> str:
    """A code or name as looked up: case and surrounding or repeated spaces do not matter."""
    return " ".join(str(value or "").split()).lower()


def _partner_key(raw) -> str:
    """A partner as a row names it: its id (a spreadsheet's 12.0 is 12) or its name."""
    if raw in (None, ""):
        return ""
    key = str(raw).strip()
    return key[:-2] if key.endswith(".0") else key


class References:
    """Partners, active KPIs and sites by the keys a file names them with, within what `user` may see
    (the access policy's scope; an operator's command-line load has no user and sees all): another
    partner, or a KPI not shared with them, is as unknown to a partner user as one that does not exist
    (the messages do not tell apart).
    Each method returns the object or raises ValueError with the message for the row.

    `rows` (the import's and the API's rows): only the partners and sites those rows name are read,
    not every partner and site (an upload of 100 rows costs the same with 4 partners or 400)."""

    def __init__(self, user=None, rows=None):
        organizations = partner_queryset()
        site_rows = site_queryset()
        if user is not None:
            organizations = policy.scope(user, policy.VIEW, organizations)
            site_rows = policy.scope(user, policy.VIEW, site_rows)
        if rows is not None:
            ids, names = set(), set()
            for row in rows:
                key = _partner_key(row.get("partner"))
                if key:
                    names.add(key.lower())
                    if key.isdigit():
                        ids.add(int(key))
            codes = {str(row.get("site")).strip().lower() for row in rows if row.get("site") not in (None, "")}
            organizations = organizations.annotate(name_key=Lower(Trim("name"))).filter(
                Q(pk__in=ids) | Q(name_key__in=names)
            )
            site_rows = site_rows.annotate(code_key=Lower(Trim("code"))).filter(code_key__in=codes)
        self.partners = {str(o.pk): o for o in organizations}
        self.partners_by_name = {o.name.strip().lower(): o for o in self.partners.values()}
        definitions = KPIDefinition.objects.filter(is_active=True)
        if user is not None:
            # A partner user knows only the KPIs shared with their organisation: a code the host
            # tracks internally, or has assigned only to another partner, is as unknown as a missing one.
            from .selectors import definitions_for

            definitions = definitions.filter(pk__in=definitions_for(user=user).values("pk"))
        self.kpis = {k.code.lower(): k for k in definitions}
        self.sites = {s.code.lower(): s for s in site_rows}

    @cached_property
    def _names(self) -> tuple[dict, dict]:
        """(KPI by name, codes of a name that several KPIs share): made only when a row names a KPI by
        something that is not a code (the usual row gives its code; the Danish names cost a translation
        each).
        Names as a person writes them: as stored (English for the standard KPIs, as entered for the
        host's own) and as the Danish pages show them ("Leveringstid"). A name that fits several of
        the KPIs within reach is not guessed at (ambiguous); a code always wins over a name."""
        by_name: dict[str, set] = {}
        for k in self.kpis.values():
            with translation.override("da"):
                danish = k.display_name
            for name in {k.name, danish, k.display_name}:
                key = _key(name)
                if key and key not in self.kpis:
                    by_name.setdefault(key, set()).add(k.code)
        unique = {key: self.kpis[codes.pop()] for key, codes in by_name.items() if len(codes) == 1}
        return unique, {key: sorted(codes) for key, codes in by_name.items() if len(codes) > 1}

    @property
    def kpis_by_name(self) -> dict:
        return self._names[0]

    @property
    def ambiguous(self) -> dict:
        return self._names[1]

    def partner(self, raw):
        key = _partner_key(raw)
        partner = self.partners.get(key) or self.partners_by_name.get(key.lower())
        if partner is None:
            raise ValueError(_("Unknown partner “%(p)s”.") % {"p": raw})
        return partner

    def kpi(self, raw):
        """By code, or by name (Danish or English), case-insensitive. The message for one that is
        unknown lists the codes within the user's reach, so it is the same for a code that does not
        exist, an internal one and another partner's."""
        key = _key(raw)
        kpi = self.kpis.get(key) or self.kpis_by_name.get(key)
        if kpi is not None:
            return kpi
        if key in self.ambiguous:
            raise ValueError(
                _("“%(k)s” is the name of several KPIs; give the code: %(codes)s.")
                % {"k": raw, "codes": ", ".join(self.ambiguous[key])}
            )
        from .services import unknown_kpi_code

        message = unknown_kpi_code(raw)
        if self.kpis:
            message += " " + _("Valid: %(codes)s.") % {"codes": ", ".join(sorted(k.code for k in self.kpis.values()))}
        raise ValueError(message)

    def site(self, raw):
        site = self.sites.get(str(raw).strip().lower())
        if site is None:
            raise ValueError(_("Unknown site code “%(s)s”.") % {"s": raw})
        return site
