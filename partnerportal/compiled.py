"""A selector's SQL compiled once per shape (issue 16): the ORM's rule, without building it on every request.

Some reads run on every page or on the busiest ones (the header's unread count, the partner hub's
sections), and building and compiling their querysets costs more than the database's answer. A
`CompiledQuery` keeps the selector's own queryset as the rule and only saves the building: the
first call for a shape of reader (role, with or without an organisation, and whatever the caller adds
to `key`) builds the queryset for a stand-in of the reader with marker values for the ids that vary
(the reader, their organisation, the objects named in `ids`, the time), and the markers found among
the compiled parameters become the slots that each later call fills in. The queryset is built twice
with different markers: a parameter that follows them without being one of them (the rule grew one
of its own from an id), or a backend that converts the values, makes the shape fall back to the ORM
for good, so a change to the rule can make the read slower but never different.

The stand-in is a copy of the reader (and of their organisation, if loaded) with the marker ids. In
the second build every other field of the reader and of their organisation holds another value (but
the role and the active and superuser flags, which `policy.role_of` makes part of every key, and the
organisation fields the caller names in `organization_shape`, whose effect the caller puts in `key`),
so a rule that takes a parameter from any of them falls back to the ORM too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import EmptyResultSet, ObjectDoesNotExist
from django.db import connections, router
from django.db.models import DEFERRED, QuerySet

from partnerportal import policy

# Two sets of marker values, far from any real id or time.
_PERSON = (-7_300_001, -7_300_002)
_ORGANIZATION = (-7_400_001, -7_400_002)
_ID = (-7_500_000, -7_600_000)  # + the id's position in `ids`
_NOW = (
    datetime(1907, 3, 5, 7, 11, 13, 170_019, tzinfo=UTC),
    datetime(1911, 4, 6, 8, 12, 14, 230_029, tzinfo=UTC),
)
USER, ORGANIZATION, NOW = "user", "organization", "now"


# What decides a reader's shape (policy.role_of) and is part of every key; everything else about the
# reader differs between the two builds (see `_altered`).
_READER_SHAPE = frozenset({"role", "is_active", "is_superuser"})


def stand_in(user, pk: int, organization_id: int | None, *, altered=False, organization_shape=frozenset()):
    """A copy of `user` with the id `pk` and the organisation id `organization_id` (None: the user has none).

    `altered`: every other field of the reader (but their role and whether they are active or a
    superuser) and of their organisation (but `organization_shape`) holds another value, so a rule that
    takes a parameter from one of them compiles differently and falls back to the ORM."""
    person = copy.copy(user)
    field = type(person).organization.field
    # The organisation comes with request.user (partnerportal.backends); one not loaded stays unloaded (a
    # rule that reads it fails on the marker id, and that call goes through the ORM: see CompiledQuery).
    organization = field.get_cached_value(user, None) if user.organization_id is not None else None
    if altered:
        _alter(person, keep=_READER_SHAPE | {"id", "organization_id"})
    person.pk = pk
    person.organization_id = organization_id
    if organization is not None:
        organization = copy.copy(organization)
        if altered:
            _alter(organization, keep=frozenset(organization_shape) | {"id"})
        organization.pk = organization_id
        field.set_cached_value(person, organization)
    return person


def _alter(obj, *, keep):
    """Give each loaded concrete field of `obj` but those in `keep` another value of its type."""
    for f in obj._meta.concrete_fields:
        if f.attname in keep or f.attname not in obj.__dict__:
            continue
        value = getattr(obj, f.attname)
        if isinstance(value, bool):
            value = not value
        elif isinstance(value, int | float | Decimal):
            value = value + 1
        elif isinstance(value, str):
            value = value + "~"
        elif isinstance(value, datetime | date):
            value = value + timedelta(days=1)
        elif value is None:
            value = _ANOTHER.get(f.get_internal_type(), -7_700_001 if f.is_relation else None)
        setattr(obj, f.attname, value)


_ANOTHER = {  # a value for a field that is empty, by the field's type
    "CharField": "~",
    "TextField": "~",
    "EmailField": "~",
    "SlugField": "~",
    "BooleanField": True,
    "IntegerField": 1,
    "PositiveIntegerField": 1,
    "PositiveSmallIntegerField": 1,
    "SmallIntegerField": 1,
    "BigIntegerField": 1,
    "FloatField": 1.0,
    "DateField": date(2000, 1, 1),
    "DateTimeField": datetime(2000, 1, 1, tzinfo=UTC),
}


class CompiledQuery:
    """`build(user=, ids=, now=)` -> the selector's queryset (values_list rows); `.rows()` / `.count()` run it.

    `ids` names the objects the read is about (e.g. {"partner": 12}); `now` is the time the rule
    compares with, if any."""

    def __init__(self, build: Callable[..., QuerySet], model, *, organization_shape=()):
        self.build = build
        self.model = model
        # Fields of the reader's organisation that decide the rule's shape: the caller puts what they
        # decide into `key` (e.g. the agreements' signing party, from the organisation's kind).
        self.organization_shape = frozenset(organization_shape)
        self._shapes: dict = {}
        policy.on_rules_changed(self.clear)  # a rule registered or defined later: build again

    def _shape(self, user, names, with_now, alias):
        compiled = []
        for n in range(2):
            organization = None if user.organization_id is None else _ORGANIZATION[n]
            ids = {name: _ID[n] - i for i, name in enumerate(names)}
            now = _NOW[n] if with_now else None
            reader = stand_in(
                user, _PERSON[n], organization, altered=n == 1, organization_shape=self.organization_shape
            )
            qs = self.build(user=reader, ids=ids, now=now).using(alias)
            if qs.query.is_empty():
                compiled.append(None)
                continue
            try:
                sql, params = qs.query.sql_with_params()
            except EmptyResultSet:
                compiled.append(None)
                continue
            markers = {USER: _PERSON[n], ORGANIZATION: organization, NOW: now, **ids}
            markers = {name: marker for name, marker in markers.items() if marker is not None}
            slots = tuple(
                next((name for name, m in markers.items() if type(value) is type(m) and value == m), None)
                or (None, value)
                for value in params
            )
            compiled.append((sql, slots))
        first, second = compiled
        return first if first == second else False

    def _run(self, user, ids, now, key, wrap):
        """(sql, params) for this call; None: no rows; False: the ORM's queryset instead."""
        alias = router.db_for_read(self.model)
        shape_key = (alias, wrap, policy.role_of(user), user.organization_id is None, tuple(ids), now is not None, key)
        shape = self._shapes.get(shape_key, True)
        if shape is True:
            try:
                shape = self._shapes[shape_key] = self._shape(user, tuple(ids), now is not None, alias)
            except ObjectDoesNotExist:  # the rule read the reader's organisation, not loaded: the ORM, this time
                return False, alias
        if not shape:
            return shape, alias
        sql, slots = shape
        values = {USER: user.pk, ORGANIZATION: user.organization_id, NOW: now, **ids}
        return (wrap.format(sql), [values[s] if isinstance(s, str) else s[1] for s in slots]), alias

    def rows(self, *, user, ids: dict | None = None, now: datetime | None = None, key=()) -> list[tuple]:
        ids = ids or {}
        found, alias = self._run(user, ids, now, key, "{}")
        if found is None:
            return []
        if found is False:
            return list(self.build(user=user, ids=ids, now=now))
        with connections[alias].cursor() as cursor:
            cursor.execute(*found)
            return cursor.fetchall()

    def count(self, *, user, ids: dict | None = None, now: datetime | None = None, key=()) -> int:
        ids = ids or {}
        found, alias = self._run(user, ids, now, key, "SELECT COUNT(*) FROM ({}) AS counted")
        if found is None:
            return 0
        if found is False:
            return self.build(user=user, ids=ids, now=now).count()
        with connections[alias].cursor() as cursor:
            cursor.execute(*found)
            return cursor.fetchone()[0]

    def clear(self):
        self._shapes.clear()


def instance(model, data: dict, alias: str = "default"):
    """An instance of `model` from a row's `data` (attname -> value): the fields in `data` loaded, the
    others deferred, as `.only()` gives them."""
    fields = model._meta.concrete_fields
    return model.from_db(
        alias, [f.attname for f in fields if f.attname in data], [data.get(f.attname, DEFERRED) for f in fields]
    )
