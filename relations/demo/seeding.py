"""`seed(demo)`: the relationship history of every demo partner, from the content through the makers."""

from datetime import timedelta

from django.utils import timezone

from partnerportal.management.commands.seed_demo import as_of

from .. import health, services
from ..models import Kudos, RoadmapItem, TimelineEvent
from .content import CASES, ENGAGEMENTS, KUDOS, NOTICES, PEOPLE, ROADMAP, SURVEYS
from .makers import DAY, _case, _engagement, _notices, _quiet, _survey


def seed(demo):
    users = demo.objects["users"]
    partners = {p.name: p for p in demo.objects["partners"]}
    lager = users["lager"]
    now = timezone.now()

    for name, items in NOTICES.items():
        if name in partners:
            host_name, partner_name = PEOPLE[name]
            _notices(now, partners[name], users[host_name], users[partner_name], items)

    for name, cases in CASES.items():
        if name in partners:
            host_name, partner_name = PEOPLE[name]
            for case in cases:
                _case(now, partners[name], (users[host_name], users[partner_name]), **case)

    for name, title, kind, days, place, agenda, notes, learnings in ENGAGEMENTS:
        if name in partners:
            host_name, partner_name = PEOPLE[name]
            _engagement(
                now,
                partners[name],
                users[host_name],
                users[partner_name],
                title=title,
                kind=kind,
                days=days,
                place=place,
                agenda=agenda,
                notes=notes,
                learnings=learnings,
            )

    today = timezone.localdate()
    for title, category, months, status, effect, shared, days_ago in ROADMAP:
        if RoadmapItem.objects.filter(title=title).exists():
            continue
        item = RoadmapItem(
            title=title,
            category=category,
            status=status,
            starts_on=today + timedelta(days=30 * months[0]),
            ends_on=today + timedelta(days=30 * months[1]),
            expected_effect=effect,
            description=f"{title}: planen og milepælene gennemgås på statusmøderne.",
        )
        with as_of(now - days_ago * DAY):
            services.roadmap_save(user=lager, item=item, shared_with=[partners[n] for n in shared if n in partners])
        _quiet(f"roadmap:{item.pk}:")
        if "DanLog 3PL A/S" in shared and category == "expansion":
            with as_of(now - (days_ago - 3) * DAY):
                services.roadmap_comment(
                    user=users["danlog"],
                    item=item,
                    body="Kan vores lastbiler bruge de nye porte om natten?",
                    is_idea=True,
                )
            _quiet(f"roadmap:{item.pk}:")

    host_people = [users["admin"], lager, users["drift"]]
    for name, rounds in SURVEYS.items():
        if name not in partners:
            continue
        partner = partners[name]
        partner_users = [u for u in users.values() if u.organization_id == partner.pk]
        for months_ago, label, host_scores, partner_scores in rounds:
            people = host_people + partner_users
            answers = [(host_scores, "host")] * len(host_people) + [(partner_scores, "partner")] * len(partner_users)
            _survey(
                partner,
                people,
                months_ago=months_ago,
                title=f"Samarbejdsundersøgelse {partner.name}, {label}",
                answers=answers,
            )

    for days_ago, name, by, title, message in KUDOS:
        partner = partners.get(name)
        if partner is None or Kudos.objects.filter(partner=partner, title=title).exists():
            continue
        kudos = services.kudos_give(user=users[by], partner=partner, title=title, message=message)
        Kudos.objects.filter(pk=kudos.pk).update(given_at=now - days_ago * DAY)
        TimelineEvent.objects.filter(key=f"kudos:{kudos.pk}").update(occurred_at=now - days_ago * DAY)
        _quiet(f"kudos:{kudos.pk}")

    for partner in demo.objects["partners"]:
        health.snapshot_last_months(partner)
