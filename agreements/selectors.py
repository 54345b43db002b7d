"""Reads of the agreements app, already restricted by the access policy."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, router
from django.db.models import CharField, Exists, F, Model, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.utils.translation import gettext_lazy as _

from kpis.selectors import target_queryset
from partnerportal import policy
from partnerportal.compiled import CompiledQuery, instance
from partners.selectors import partner_queryset

from .models import (
    OPEN_STATUSES,
    TEMPLATE_PARTS,
    Agreement,
    AgreementTemplate,
    AgreementTemplateRevision,
    AgreementVersion,
    Channel,
    ChannelRule,
    EscalationStep,
    Party,
    Responsibility,
    Signature,
    VersionStatus,
    template_parts,
    topic_order,
)

PERSON = ("user", "contact")


def _rows(model):
    return model.objects.select_related(*PERSON)


def version_queryset() -> QuerySet:
    """Versions with everything a page shows: rows, people, signatures (a fixed number of queries)."""
    qs = AgreementVersion.objects.select_related(
        "agreement__partner", "created_by", "sent_by", "terminated_by"
    ).prefetch_related(
        Prefetch("responsibility_set", queryset=_rows(Responsibility).order_by("activity", "party", "pk")),
        Prefetch("channelrule_set", queryset=_rows(ChannelRule).order_by(topic_order(), "pk")),
        Prefetch("escalationstep_set", queryset=_rows(EscalationStep).order_by("level", "pk")),
        Prefetch("signatures", queryset=Signature.objects.select_related("user")),
    )
    return qs.prefetch_related(Prefetch("kpi_targets", queryset=target_queryset()))


def version_for(*, user, pk, action=policy.VIEW) -> AgreementVersion:
    return policy.get_object(user, action, version_queryset(), pk=pk)


def visible_versions(*, user, agreement) -> QuerySet:
    return policy.scope(user, policy.VIEW, AgreementVersion).filter(agreement=agreement).order_by("-number")


def agreement_for(*, user, pk, action=policy.VIEW) -> Agreement:
    return policy.get_object(user, action, Agreement.objects.select_related("partner"), pk=pk)


def agreement_of_partner(*, user, partner) -> Agreement | None:
    return policy.scope(user, policy.VIEW, Agreement).filter(partner=partner).first()


@dataclass
class AgreementRow:
    partner: Model  # the partner organisation
    agreement: Agreement | None
    active: AgreementVersion | None = None
    open: AgreementVersion | None = None
    links: dict = field(default_factory=dict)  # the row's URLs, set by the list view


OVERVIEW_STATUSES = ("none", "pending", "draft", "active")


def agreement_overview(*, user, search: str = "", status: str = "") -> QuerySet:
    """The active partners of the host list, by name, filtered in SQL (paginate it, then build the page's
    rows with `agreement_rows`).

    Each partner carries the ids of its active version and of its open revision (draft or sent for
    sign-off), from the versions the user may see. `status`: "none" (no version in force, with or
    without an agreement), "pending" (a revision awaits signatures), "draft" (a draft in progress),
    "active" (a version in force); anything else: all. A partner has at most one agreement, with at
    most one active and one open version (constraints), so each is one row of a subquery.
    """
    partners = policy.scope(user, policy.VIEW, partner_queryset().filter(is_active=True))
    if search:
        partners = partners.filter(name__icontains=search)
    versions = policy.scope(user, policy.VIEW, AgreementVersion).filter(agreement__partner=OuterRef("pk"))
    # The agreement comes by a join: at most one per partner, and an agreement is visible to whoever
    # sees its partner (no partner filter in its policy rule).
    partners = partners.only("pk", "name", "kind").annotate(
        agreement_pk=F("agreements__pk"),
        agreement_title=F("agreements__title"),
        active_version_id=Subquery(versions.filter(status=VersionStatus.ACTIVE).values("pk")[:1]),
        open_version_id=Subquery(versions.filter(status__in=OPEN_STATUSES).values("pk")[:1]),
    )
    if status == "none":
        partners = partners.filter(active_version_id__isnull=True)
    elif status == "pending":
        partners = partners.filter(Exists(versions.filter(status=VersionStatus.IN_REVIEW)))
    elif status == "draft":
        partners = partners.filter(Exists(versions.filter(status=VersionStatus.DRAFT)))
    elif status == "active":
        partners = partners.filter(active_version_id__isnull=False)
    return partners.order_by("name", "pk")


# --- presentation helpers --------------------------------------------------------------------


def responsibility_matrix(version) -> list[dict]:
    """Rows = activities, columns = host / partner (several people per cell possible)."""
    activities: dict[str, dict] = {}
    for row in version.responsibility_set.all():
        key = row.activity.strip().lower()
        entry = activities.setdefault(key, {"activity": row.activity, Party.HOST: [], Party.PARTNER: []})
        entry[row.party].append(row)
    return [
        {"activity": e["activity"], "host": e[Party.HOST], "partner": e[Party.PARTNER]}
        for e in sorted(activities.values(), key=lambda e: e["activity"].lower())
    ]


def signature_state(version) -> dict:
    by_party = {s.party: s for s in version.signatures.all()}
    return {"host": by_party.get(Party.HOST), "partner": by_party.get(Party.PARTNER)}


# --- the difference between two versions -----------------------------------------------------

VERSION_FIELDS = (
    ("review_date", _("Review date")),
    ("summary", _("Summary")),
)
ROW_FIELD_LABELS = {
    "person_name": _("person"),
    "responsible_for": _("responsible for"),
    "channel": _("channel"),
    "response_hours": _("response time (hours)"),
    "party": _("owner"),
    "note": _("note"),
    "after_hours": _("after hours"),
    "value": _("target"),
    "warning": _("warning threshold"),
    "critical": _("critical threshold"),
}
SECTIONS = (
    ("responsibilities", _("Roles and responsibilities"), "responsibility_set"),
    ("channels", _("Channel matrix"), "channelrule_set"),
    ("escalation", _("Escalation ladder"), "escalationstep_set"),
)


def _display(obj, name):
    getter = getattr(obj, f"get_{name}_display", None)
    value = getter() if getter else getattr(obj, name)
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _row_label(row):
    if isinstance(row, Responsibility):
        return f"{row.activity} ({row.get_party_display()})"
    if isinstance(row, ChannelRule):
        return row.get_topic_display()
    return _("Level %(level)s") % {"level": row.level}


def _row_values(row):
    return {name: _display(row, name) for name in row.DIFF_FIELDS}


def _row_summary(row):
    """ "channel: Phone · response time (hours): 2 · …" for an added or removed row."""
    values = _row_values(row)
    return " · ".join(f"{ROW_FIELD_LABELS.get(name, name)}: {value}" for name, value in values.items() if value)


def _rows_of(version, attr):
    cache = getattr(version, "_prefetched_objects_cache", {})
    if attr in cache:
        return list(cache[attr])
    return list(getattr(version, attr).select_related(*PERSON))


def _section_diff(key, label, old_rows, new_rows, row_label) -> dict:
    """One part of a diff: rows matched by their natural key, added, removed and changed (field by field)."""
    old_rows = {r.natural_key: r for r in old_rows}
    new_rows = {r.natural_key: r for r in new_rows}
    added = [
        {"label": row_label(r), "row": r, "summary": _row_summary(r)} for k, r in new_rows.items() if k not in old_rows
    ]
    removed = [
        {"label": row_label(r), "row": r, "summary": _row_summary(r)} for k, r in old_rows.items() if k not in new_rows
    ]
    changed = []
    for k, before in old_rows.items():
        after = new_rows.get(k)
        if after is None:
            continue
        old_values, new_values = _row_values(before), _row_values(after)
        changes = [
            {
                "field": name,
                "label": ROW_FIELD_LABELS.get(name, name),
                "old": old_values[name],
                "new": new_values[name],
            }
            for name in before.DIFF_FIELDS
            if old_values[name] != new_values[name]
        ]
        if changes:
            changed.append({"label": row_label(after), "row": after, "changes": changes})
    return {
        "key": key,
        "label": label,
        "added": added,
        "removed": removed,
        "changed": changed,
        "has_changes": bool(added or removed or changed),
    }


def version_diff(*, old: AgreementVersion, new: AgreementVersion) -> dict:
    """Field by field and row by row: what changes from `old` to `new`.

    Rows are matched by their natural key: (party, activity) for responsibilities, the topic
    for channels, the level for escalation steps. Each section lists added, removed and changed
    rows; a changed row lists its changed fields with the old and new value.
    """
    fields = []
    for name, label in VERSION_FIELDS:
        before, after = _display(old, name), _display(new, name)
        if before != after:
            fields.append({"field": name, "label": label, "old": before, "new": after})
    sections = [
        _section_diff(key, label, _rows_of(old, attr), _rows_of(new, attr), _row_label) for key, label, attr in SECTIONS
    ]
    old_targets = {t.pk: t for t in old.kpi_targets.all()}
    new_targets = {t.pk: t for t in new.kpi_targets.all()}
    targets = {
        "added": [str(t) for pk, t in new_targets.items() if pk not in old_targets],
        "removed": [str(t) for pk, t in old_targets.items() if pk not in new_targets],
    }
    return {
        "old": old,
        "new": new,
        "fields": fields,
        "sections": sections,
        "kpi_targets": targets,
        "has_changes": bool(
            fields or any(s["has_changes"] for s in sections) or targets["added"] or targets["removed"]
        ),
    }


def previous_version_for_diff(version) -> AgreementVersion | None:
    """What a version is compared with by default: the active one, else the one before it."""
    qs = AgreementVersion.objects.filter(agreement_id=version.agreement_id).exclude(pk=version.pk)
    return (
        qs.filter(status=VersionStatus.ACTIVE).first()
        or qs.filter(number__lt=version.number).exclude(status=VersionStatus.DRAFT).order_by("-number").first()
    )


def pending_for(*, user) -> QuerySet:
    """Versions that await this user's signature (for the hub and dashboard)."""
    from . import services

    qs = policy.scope(user, "sign", AgreementVersion).filter(status=VersionStatus.IN_REVIEW)
    party = services.signing_party(user)
    return qs.exclude(signatures__party=party) if party is not None else qs.none()


def active_version(partner) -> AgreementVersion | None:
    """The partner's active agreement version (the one in force), or None."""
    return (
        AgreementVersion.objects.filter(agreement__partner=partner, status=VersionStatus.ACTIVE)
        .order_by("-number")
        .first()
    )


def channel_rule(*, partner, topics) -> ChannelRule | None:
    """The channel-matrix row of the partner's active agreement for the first of `topics` it names, or None."""
    version = active_version(partner)
    if version is None:
        return None
    rules = {rule.topic: rule for rule in version.channelrule_set.all()}
    return next((rules[topic] for topic in topics if topic in rules), None)


def channel_by_email(*, partner, topics) -> bool:
    """Whether the partner's active agreement sends the first of `topics` its channel matrix names by e-mail."""
    rule = channel_rule(partner=partner, topics=topics)
    return rule is not None and rule.channel == Channel.EMAIL


def agreement_of(*, partner) -> Agreement | None:
    """The partner's agreement, if it has one, not restricted by the access policy."""
    return Agreement.objects.filter(partner=partner).first()


def version_row(*, user, model, version, pk):
    """One row (responsibility, channel rule or escalation step) of a version that the user may see, or None."""
    return policy.scope(user, policy.VIEW, _rows(model)).filter(pk=pk, version=version).first()


def agreements_by_partner() -> QuerySet:
    """Every agreement with its partner, by partner name, not yet restricted by the access policy."""
    return Agreement.objects.select_related("partner").order_by("partner__name")


def with_visible_versions(agreements: QuerySet, *, user) -> QuerySet:
    """The agreements with the versions the user may see, newest first, as `visible_versions`."""
    versions = policy.scope(user, policy.VIEW, AgreementVersion).order_by("-number")
    return agreements.prefetch_related(Prefetch("versions", queryset=versions, to_attr="visible_versions"))


ROW_ORDER = {Responsibility: "activity", ChannelRule: "topic", EscalationStep: "level"}


def version_rows(model) -> QuerySet:
    """Every row of one kind with its people and version, in order, not yet restricted by the access policy."""
    return model.objects.select_related("user", "contact", "version").order_by("version", ROW_ORDER[model])


def dashboard_versions(*, user, today, limit: int = 10) -> dict[str, list[AgreementVersion]]:
    """The dashboard's three short lists, in one query (UNION ALL of three limited selects): versions
    awaiting the user's signature ("pending"), awaiting the partner's after the host signed
    ("awaiting_partner"), and active ones whose review is due within eight weeks ("reviews")."""
    visible = policy.scope(user, policy.VIEW, AgreementVersion)
    parts = {
        "pending": pending_for(user=user).order_by("agreement", "-number"),
        "awaiting_partner": visible.filter(status=VersionStatus.IN_REVIEW, signatures__party=Party.HOST)
        .exclude(signatures__party=Party.PARTNER)
        .order_by("agreement", "-number"),
        "reviews": visible.filter(status=VersionStatus.ACTIVE, review_date__lte=today + timedelta(weeks=8)).order_by(
            "review_date", "pk"
        ),
    }
    lists: dict[str, list[AgreementVersion]] = {name: [] for name in parts}
    shown = ("number", "review_date", "agreement__partner__name")  # what the panel shows: few columns to read
    tagged = [
        qs.select_related("agreement__partner")
        .only(*shown)
        .annotate(dashboard_list=Value(name, output_field=CharField()))[:limit]
        for name, qs in parts.items()
    ]
    if not connection.features.supports_slicing_ordering_in_compound:  # SQLite: one query per list
        return {name: list(qs) for name, qs in zip(parts, tagged, strict=True)}
    for version in tagged[0].union(*tagged[1:], all=True):
        lists[version.dashboard_list].append(version)
    return lists


def agreement_rows(*, user, partners) -> list[AgreementRow]:
    """The rows of one page of `agreement_overview`: the agreement from the page's own query, the two
    versions each row shows with who signed them in one more query (none when no row has a version)."""
    partners = list(partners)
    version_ids = [v for p in partners for v in (p.active_version_id, p.open_version_id) if v]
    versions = {}
    if version_ids:
        signed = Signature.objects.filter(version=OuterRef("pk"))
        versions = (
            policy.scope(user, policy.VIEW, AgreementVersion)
            .annotate(
                host_signed=Exists(signed.filter(party=Party.HOST)),
                partner_signed=Exists(signed.filter(party=Party.PARTNER)),
            )
            .in_bulk(version_ids)
        )
    rows = []
    for p in partners:
        agreement = None
        if p.agreement_pk is not None:
            agreement = Agreement(pk=p.agreement_pk, partner=p, title=p.agreement_title)
        active, open_ = versions.get(p.active_version_id), versions.get(p.open_version_id)
        rows.append(AgreementRow(partner=p, agreement=agreement, active=active, open=open_))
    return rows


def partner_agreement_versions(*, user, partner) -> tuple[Agreement | None, list[AgreementVersion]]:
    """The partner's agreement (as `agreement_of_partner`) and the versions the user may see, newest
    first (as `visible_versions`), each marked `awaits_signature` (as `pending_for`): one query when a
    version is visible, a second one for the agreement only when none is."""
    agreements = policy.scope(user, policy.VIEW, Agreement).filter(partner=partner)
    pending = pending_for(user=user)
    versions = (
        policy.scope(user, policy.VIEW, AgreementVersion)
        .filter(agreement__in=agreements.values("pk"))
        .select_related("agreement")
        .order_by("-number")
    )
    if pending.query.is_empty():
        versions = list(versions)
        for version in versions:
            version.awaits_signature = False
    else:
        versions = list(versions.annotate(awaits_signature=Exists(pending.filter(pk=OuterRef("pk")))))
    if versions:
        agreement = versions[0].agreement
        for version in versions:
            version.agreement = agreement
        return agreement, versions
    return agreements.first(), []


# The partner hub's agreement section (issue 16).


def hub_agreement(*, user, partner) -> tuple[Agreement | None, AgreementVersion | None, AgreementVersion | None]:
    """What the hub's agreement section shows, as partner_agreement_versions gives it: the partner's
    agreement, the version in force (the newest active one) and the open version (the newest draft or
    version in review, marked `awaits_signature`), among the versions the user may see. One query
    reading only those versions (not the whole history) and the fields shown; a second one for the
    agreement only when no such version is visible. The query is `_hub_versions()`'s, compiled once
    per shape of reader (partnerportal.compiled): building it cost more than running it."""
    from . import services

    rows = _HUB_VERSIONS.rows(user=user, ids={"partner": partner.pk}, key=(services.signing_party(user),))
    alias = router.db_for_read(AgreementVersion)
    versions, agreement = [], None
    for row in rows:
        data = dict(zip(HUB_VERSION_ROW, row, strict=True))
        if agreement is None:
            agreement = instance(Agreement, {"id": data["agreement_id"], **_agreement_part(data)}, alias)
        version = instance(AgreementVersion, data, alias)
        version.agreement = agreement
        version.awaits_signature = bool(data["awaits_signature"])
        versions.append(version)
    active = next((v for v in versions if v.status == VersionStatus.ACTIVE), None)
    open_version = next((v for v in versions if v.status != VersionStatus.ACTIVE), None)
    if versions:
        return agreement, active, open_version
    return policy.scope(user, policy.VIEW, Agreement).filter(partner=partner).first(), None, None


HUB_VERSION_ROW = (
    "id",
    "agreement_id",
    "number",
    "status",
    "effective_from",
    "review_date",
    "summary",
    "agreement__partner_id",
    "agreement__title",
    "awaits_signature",
)


def _hub_versions(*, user, ids, now=None) -> QuerySet:
    """The hub's versions of the partner `ids["partner"]` as HUB_VERSION_ROW rows, newest first."""
    agreements = policy.scope(user, policy.VIEW, Agreement).filter(partner=ids["partner"])
    pending = pending_for(user=user)
    shown = (VersionStatus.ACTIVE, VersionStatus.DRAFT, VersionStatus.IN_REVIEW)
    awaits = Value(False) if pending.query.is_empty() else Exists(pending.filter(pk=OuterRef("pk")))
    return (
        policy.scope(user, policy.VIEW, AgreementVersion)
        .filter(agreement__in=agreements.values("pk"), status__in=shown)
        .annotate(awaits_signature=awaits)
        .order_by("-number")
        .values_list(*HUB_VERSION_ROW)
    )


_HUB_VERSIONS = CompiledQuery(_hub_versions, AgreementVersion, organization_shape=("kind",))  # signing_party


def _agreement_part(data):
    return {name.removeprefix("agreement__"): value for name, value in data.items() if name.startswith("agreement__")}


# --- agreement templates ------------------------------------------------------------------------


def template_queryset() -> QuerySet:
    """Templates with their newest revision number (`latest_number`), by default first, then name."""
    latest = AgreementTemplateRevision.objects.filter(template=OuterRef("pk")).order_by("-number")
    return AgreementTemplate.objects.annotate(latest_number=Subquery(latest.values("number")[:1]))


def templates_for(*, user) -> QuerySet:
    """The templates the user may see (host staff; partner users none)."""
    return policy.scope(user, policy.VIEW, template_queryset())


def template_for(*, user, pk, action=policy.VIEW) -> AgreementTemplate:
    return policy.get_object(user, action, template_queryset(), pk=pk)


def template_choices(*, user) -> QuerySet:
    """Templates a new agreement can start from: those with content, the default first."""
    return templates_for(user=user).filter(latest_number__isnull=False)


def default_template(*, user) -> AgreementTemplate | None:
    return template_choices(user=user).filter(is_default=True).first()


def template_revisions(template) -> list[AgreementTemplateRevision]:
    return list(template.revisions.select_related("created_by").order_by("-number"))


def _template_row_label(row):
    if isinstance(row, template_parts.TemplateKPI):
        return str(row)
    return _row_label(row)


def template_revision_diff(*, old: AgreementTemplateRevision | None, new: AgreementTemplateRevision) -> dict:
    """What changes from one revision of a template to another, part by part, in the shape of
    `version_diff` (each part: added, removed and changed rows)."""
    kpis = template_parts.kpi_definitions()
    fields = []
    before = old.review_interval_months if old is not None else None
    if before != new.review_interval_months:
        fields.append(
            {
                "field": "review_interval_months",
                "label": _("Review interval (months)"),
                "old": "" if before is None else str(before),
                "new": str(new.review_interval_months),
            }
        )
    sections = [
        _section_diff(
            part,
            template_parts.PART_LABELS[part],
            template_parts.part_rows(old, part, kpis=kpis),
            template_parts.part_rows(new, part, kpis=kpis),
            _template_row_label,
        )
        for part in TEMPLATE_PARTS
    ]
    return {
        "old": old,
        "new": new,
        "fields": fields,
        "sections": sections,
        "has_changes": bool(fields or any(s["has_changes"] for s in sections)),
    }


def template_changes_for(version) -> dict | None:
    """What changed in the template since `version` was built from it: the diff from the revision it
    was built from to the template's newest revision, or None (not built from a template, up to date)."""
    base = version.template_revision
    if base is None:
        return None
    latest = base.template.latest_revision()
    if latest is None or latest.number <= base.number:
        return None
    diff = template_revision_diff(old=base, new=latest)
    return diff if diff["has_changes"] else None


def agreements_built_on(*, user, template) -> list:
    """The agreements whose newest visible version was built from a revision of `template`, each with
    that version and whether the template changed since (`behind`)."""
    versions = (
        policy.scope(user, policy.VIEW, AgreementVersion)
        .filter(template_revision__template=template)
        .exclude(status__in=[VersionStatus.SUPERSEDED, VersionStatus.TERMINATED])
        .select_related("agreement__partner", "template_revision")
        .order_by("agreement__partner__name", "-number")
    )
    latest = template.latest_revision()
    rows, seen = [], set()
    for version in versions:
        if version.agreement_id in seen:
            continue
        seen.add(version.agreement_id)
        version.behind = latest is not None and version.template_revision.number < latest.number
        rows.append(version)
    return rows


def version_with_template(version) -> AgreementVersion:
    """The version with the template revision it was built from (and its template) loaded."""
    return AgreementVersion.objects.select_related("template_revision__template").get(pk=version.pk)
