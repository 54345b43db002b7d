"""Demo history of the relationship practices: a year of notices, cases, engagements, roadmap
plans, surveys, kudos, health snapshots and the timeline. Idempotent: each item is looked up by
its title first, so running `seed_demo` twice changes nothing.

Items are created through the services (so notifications and timeline lines are real) and then
moved back in time; notifications about things long past are removed from the outbox.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from partnerportal.notifications.models import Notification

from . import health, integrations, services, timeline
from .models import (
    Case,
    CaseEvent,
    Engagement,
    Kudos,
    Notice,
    RoadmapItem,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    TimelineCategory,
    TimelineEvent,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def _quiet(prefix):
    """Old events: their notifications would only clutter the demo inbox."""
    Notification.objects.filter(key__startswith=prefix).delete()


def _notices(now, partner, host_user, partner_user, items):
    for days_ago, kind, severity, title, by_partner, lead_h, ack_h, mitigation in items:
        if Notice.objects.filter(partner=partner, title=title).exists():
            continue
        author = partner_user if by_partner else host_user
        acker = host_user if by_partner else partner_user
        posted = now - days_ago * DAY
        notice = services.notice_post(
            user=author,
            partner=partner,
            kind=kind,
            severity=severity,
            title=title,
            affected_from=posted + lead_h * HOUR,
            affected_until=posted + (lead_h + 8) * HOUR,
            description="",
            mitigation=mitigation,
        )
        updates = {"posted_at": posted}
        if ack_h is not None:
            updates.update(acknowledged_by=acker, acknowledged_at=posted + ack_h * HOUR)
        Notice.objects.filter(pk=notice.pk).update(**updates)
        timeline.record(
            partner=partner,
            category=TimelineCategory.NOTICE,
            title="Notice: %(title)s",
            params={"title": title},
            key=f"notice:{notice.pk}:posted",
            url=notice.get_absolute_url(),
            occurred_at=posted,
        )
        if days_ago > 3:
            _quiet(f"notice:{notice.pk}:")


def _case(now, partner, users, *, title, days_ago, what, impact, root, prevention, resolve_after=None, stage="open"):
    if Case.objects.filter(partner=partner, title=title).exists():
        return None
    manager, partner_user = users
    case = services.case_raise(user=manager, partner=partner, title=title, what_happened=what, impact=impact)
    raised = now - days_ago * DAY
    steps = {
        "open": [],
        "investigating": ["investigating"],
        "actions_agreed": ["investigating", "actions_agreed"],
        "resolved": ["investigating", "actions_agreed", "resolved"],
    }[stage]
    if stage != "open":
        services.case_update(user=manager, case=case, root_cause=root, prevention=prevention)
        if stage in ("actions_agreed", "resolved") and integrations.action_item_model() is not None:
            item = services.case_agree_action(
                user=manager,
                case=case,
                title=f"{prevention[:150]}",
                owner=partner_user,
                due_date=(raised + (resolve_after or 21) * DAY).date(),
            )
            if stage == "resolved":
                type(item).objects.filter(pk=item.pk).update(
                    status="done", done_at=raised + (resolve_after or 21) * DAY
                )
            _quiet(f"action:{item.pk}:")
        elif stage == "resolved":
            services.case_update(
                user=manager,
                case=case,
                no_action_reason="Agreed in the status meeting: the new routine is the action; checked monthly.",
            )
    for status in steps:
        services.case_set_status(user=partner_user, case=case, status=status)
    total = resolve_after or max(1, days_ago // 2)
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    for index, event in enumerate(events):
        at = raised + (total * index / max(1, len(events) - 1)) * DAY if index else raised
        CaseEvent.objects.filter(pk=event.pk).update(at=at)
    last = raised + total * DAY if steps else raised + 2 * HOUR
    Case.objects.filter(pk=case.pk).update(
        raised_at=raised,
        last_progress_at=last if steps else now - 2 * HOUR,
        acknowledged_at=raised + 3 * HOUR if steps else None,
        resolved_at=raised + total * DAY if stage == "resolved" else None,
    )
    TimelineEvent.objects.filter(key=f"case:{case.pk}:raised").update(occurred_at=raised)
    status_lines = sorted(
        TimelineEvent.objects.filter(key__startswith=f"case:{case.pk}:status:"),
        key=lambda e: int(e.key.rsplit(":", 1)[1]),
    )
    for line, event in zip(status_lines, events[1:], strict=False):
        TimelineEvent.objects.filter(pk=line.pk).update(occurred_at=CaseEvent.objects.get(pk=event.pk).at)
    if days_ago > 3:
        _quiet(f"case:{case.pk}:")
    return case


def _engagement(now, partner, manager, partner_user, *, title, kind, days, place, agenda, notes="", learnings=""):
    if Engagement.objects.filter(partner=partner, title=title).exists():
        return
    engagement = Engagement(
        partner=partner,
        kind=kind,
        title=title,
        starts_at=(now + days * DAY).replace(hour=9, minute=0, second=0, microsecond=0),
        place=place,
        agenda=agenda,
        notes=notes,
        learnings=learnings,
        status="held" if days < 0 else "planned",
    )
    services.engagement_save(user=manager, engagement=engagement, participants=[manager, partner_user])
    if days < 0:
        services.engagement_attach_file(
            user=manager,
            engagement=engagement,
            uploaded=ContentFile(f"{title}\n\n{learnings}\n".encode(), name="learnings.txt"),
        )


def _survey(partner, people, *, months_ago, title, answers, anonymous=True):
    if SurveyRound.objects.filter(partner=partner, title=title).exists():
        return
    today = timezone.localdate()
    opens = today - timedelta(days=30 * months_ago)
    survey = services.survey_round_create(
        partner=partner, opens_on=opens, closes_on=opens + timedelta(days=21), anonymous=anonymous, title=title
    )
    _quiet(f"survey:{survey.pk}:")
    for user, side, values in zip(people, [p[1] for p in answers], [p[0] for p in answers], strict=False):
        scores = dict(zip([q["key"] for q in survey.questions], values, strict=True))
        SurveyResponse.objects.create(
            round=survey, side=side, respondent=None if anonymous else user, scores=scores, submitted_on=opens
        )
        SurveyInvitation.objects.filter(round=survey, user=user).update(answered=True)


def seed(demo):
    users = demo.objects["users"]
    partners = {p.name: p for p in demo.objects["partners"]}
    danlog, jysk = partners["DanLog 3PL A/S"], partners["Jysk Fragt ApS"]
    emballage = partners["Emballage Nord A/S"]
    lager, drift = users["lager"], users["drift"]
    now = timezone.now()

    _notices(
        now,
        danlog,
        lager,
        users["danlog"],
        [
            (
                300,
                "capacity",
                "medium",
                "Peak season: extra shift on Saturdays",
                True,
                240,
                4,
                "Temporary staff hired.",
            ),
            (210, "system_outage", "high", "WMS upgrade Sunday night", False, 96, 2, "Fallback: paper pick lists."),
            (120, "delivery_delay", "high", "Truck breakdown on E45", True, 3, 1, "Replacement truck from Vejle."),
            (60, "holiday_closure", "low", "Closed 24–26 December", True, 720, 30, ""),
            (20, "quality_deviation", "medium", "Label printer misprints", True, 12, 6, "Printer replaced."),
            (
                1,
                "delivery_delay",
                "high",
                "Ferry cancelled: Bornholm deliveries one day late",
                True,
                14,
                None,
                "Rebooked.",
            ),
        ],
    )
    _notices(
        now,
        jysk,
        drift,
        users["jysk"],
        [
            (250, "capacity", "medium", "Two trailers out for service", True, 48, 20, "Hired trailers."),
            (90, "delivery_delay", "medium", "Snow on the A18", True, -2, 9, "Drivers rerouted."),
            (15, "other", "low", "New dock booking procedure", False, 168, 50, "Training offered."),
        ],
    )

    _case(
        now,
        danlog,
        (lager, users["danlog"]),
        title="Missed pick-ups in week 14",
        days_ago=200,
        what="Three scheduled pick-ups at Aarhus were missed; 41 orders shipped a day late.",
        impact="On-time delivery fell to 91 % that week; two customer complaints.",
        root="The route planner used last year's holiday calendar.",
        prevention="Calendar sync is checked in every weekly planning meeting.",
        resolve_after=12,
        stage="resolved",
    )
    _case(
        now,
        danlog,
        (lager, users["danlog"]),
        title="Picking errors on mixed pallets",
        days_ago=25,
        what="Error rate doubled on mixed pallets after the new layout.",
        impact="0.9 % error rate against a 0.5 % target.",
        root="Look-alike SKUs placed next to each other.",
        prevention="Slotting rule: no look-alike SKUs in neighbouring locations.",
        stage="actions_agreed",
    )
    _case(
        now,
        jysk,
        (drift, users["jysk"]),
        title="Damaged goods on Herning route",
        days_ago=6,
        what="Eight pallets arrived with crushed corners.",
        impact="Credit notes of 14,000 DKK.",
        root="",
        prevention="",
        stage="investigating",
    )
    _case(
        now,
        emballage,
        (lager, users["emballage"]),
        title="Late carton delivery",
        days_ago=2,
        what="Carton delivery arrived two days late; packing line waited four hours.",
        impact="Four hours of idle packing line.",
        root="",
        prevention="",
    )

    _engagement(
        now,
        danlog,
        lager,
        users["danlog"],
        title="Site visit at DanLog Vejle",
        kind="site_visit",
        days=-150,
        place="DanLog Vejle",
        agenda="Walk the returns flow; meet the night shift.",
        notes="Good dialogue with the night shift team leads.",
        learnings="Returns are sorted twice; one sort can go.",
    )
    _engagement(
        now,
        danlog,
        lager,
        users["danlog"],
        title="Workshop: returns process",
        kind="workshop",
        days=-40,
        place="Aarhus Central Warehouse",
        agenda="Map the returns process end to end.",
        learnings="Shared return codes cut handling time by a third.",
    )
    _engagement(
        now,
        danlog,
        lager,
        users["danlog"],
        title="Joint training: new WMS scanners",
        kind="training",
        days=12,
        place="Aarhus Central Warehouse",
        agenda="Scanner basics; exception handling; Q&A.",
    )
    _engagement(
        now,
        jysk,
        drift,
        users["jysk"],
        title="Site visit at Jysk Fragt terminal",
        kind="site_visit",
        days=20,
        place="Jysk Fragt Terminal, Herning",
        agenda="Dock scheduling; trailer loading.",
    )

    for title, category, months, status, effect, shared in (
        ("New hall in Kolding", "expansion", (3, 12), "planned", "More inbound docks from Q3.", [danlog, jysk]),
        (
            "Automated small-parts storage",
            "automation",
            (1, 6),
            "in_progress",
            "Faster picking of small parts.",
            [danlog],
        ),
        ("Dock booking in the portal", "new_systems", (-2, 2), "in_progress", "Book slots online.", [jysk]),
        ("Price review of outsourced services", "process_change", (2, 4), "idea", "", []),
    ):
        if RoadmapItem.objects.filter(title=title).exists():
            continue
        item = RoadmapItem(
            title=title,
            category=category,
            status=status,
            starts_on=timezone.localdate() + timedelta(days=30 * months[0]),
            ends_on=timezone.localdate() + timedelta(days=30 * months[1]),
            expected_effect=effect,
            description=f"{title}: plan and milestones are shared in the status meetings.",
        )
        services.roadmap_save(user=lager, item=item, shared_with=shared)
        _quiet(f"roadmap:{item.pk}:")
        if shared and category == "expansion":
            services.roadmap_comment(
                user=users["danlog"], item=item, body="Could our trucks use the new docks at night?", is_idea=True
            )

    host_people = [users["admin"], lager, drift]
    for partner, partner_users in (
        (danlog, [users["danlog"], users["danlog_view"]]),
        (jysk, [users["jysk"], users["jysk_view"]]),
    ):
        for months_ago, label, host_scores, partner_scores in (
            (9, "Q1", (4, 4, 4, 3, 4), (3, 3, 2, 3, 3)),
            (6, "Q2", (4, 4, 4, 4, 4), (4, 3, 3, 3, 3)),
            (3, "Q3", (5, 4, 4, 4, 4), (4, 4, 3, 4, 4)),
        ):
            people = host_people + partner_users
            answers = [(host_scores, "host")] * len(host_people) + [(partner_scores, "partner")] * len(partner_users)
            _survey(
                partner,
                people,
                months_ago=months_ago,
                title=f"Relationship survey {partner.name} {label}",
                answers=answers,
            )

    for days_ago, partner, by, title, message in (
        (280, danlog, lager, "Record week: 99.6 % on time", "Thank you for the extra effort in the peak week."),
        (205, danlog, users["danlog"], "Great help with the WMS cut-over", "Your night team made it painless."),
        (25, jysk, drift, "Zero damages in October", "A month without a single damaged pallet."),
    ):
        if not Kudos.objects.filter(partner=partner, title=title).exists():
            kudos = services.kudos_give(user=by, partner=partner, title=title, message=message)
            Kudos.objects.filter(pk=kudos.pk).update(given_at=now - days_ago * DAY)
            TimelineEvent.objects.filter(key=f"kudos:{kudos.pk}").update(occurred_at=now - days_ago * DAY)
            _quiet(f"kudos:{kudos.pk}")

    for partner in demo.objects["partners"]:
        health.snapshot_last_months(partner)
