"""Demo history of the relationship practices: a year of notices, cases, engagements, roadmap
plans, surveys, kudos, health snapshots and the timeline, in Danish. Idempotent: each item is
looked up by its title first, so running `seed_demo` twice changes nothing.

Items are created through the services (so notifications and timeline lines are real) and then
moved back in time; notifications about things long past are removed from the outbox.

The partners differ, so their health scores do: DanLog and CleanTech inform early, answer notices
within hours and close cases in days; Jysk Fragt answers more slowly; Emballage Nord leaves notices
unanswered and cases open, and the host rated the cooperation low in the last survey.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from partnerportal.management.commands.seed_demo import as_of
from partnerportal.notifications.models import Notification

from . import health, services, timeline
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
        if stage in ("actions_agreed", "resolved"):
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
                no_action_reason="Aftalt på statusmødet: den nye rutine er handlingen; den følges op hver måned.",
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


# (days ago, kind, severity, title, posted by the partner, hours until it takes effect, hours until
# acknowledged (None: not yet), mitigation) per partner.
NOTICES = {
    "DanLog 3PL A/S": [
        (300, "capacity", "medium", "Højsæson: ekstra vagt om lørdagen", True, 240, 4, "Vikarer er ansat."),
        (210, "system_outage", "high", "WMS-opgradering søndag nat", False, 96, 2, "Nødplan: plukkelister på papir."),
        (120, "delivery_delay", "high", "Lastbil brudt ned på E45", True, 3, 1, "Erstatningsbil sendt fra Vejle."),
        (60, "holiday_closure", "low", "Lukket 24.–26. december", True, 720, 3, ""),
        (20, "quality_deviation", "medium", "Labelprinter skriver utydeligt", True, 12, 6, "Printeren er udskiftet."),
        (
            1,
            "delivery_delay",
            "high",
            "Færgen aflyst: leverancer til Bornholm en dag forsinket",
            True,
            14,
            None,
            "Ombooket til næste afgang.",
        ),
    ],
    "Jysk Fragt ApS": [
        (330, "delivery_delay", "medium", "Sne og glat føre på A18", True, -2, 9, "Chaufførerne kører udenom."),
        (250, "capacity", "medium", "To trailere på værksted", True, 48, 20, "Trailere lejet ind."),
        (90, "delivery_delay", "medium", "Vejarbejde på Herningmotorvejen", True, 24, 26, "Afgang en time tidligere."),
        (40, "capacity", "high", "Mangel på chauffører i uge 43", True, 12, 34, "Vognmand hyret ind."),
        (15, "other", "low", "Ny procedure for booking af porte", False, 168, 50, "Vi tilbyder oplæring."),
    ],
    "Emballage Nord A/S": [
        (
            75,
            "delivery_delay",
            "high",
            "Råvaremangel: bølgepap forsinket",
            True,
            48,
            70,
            "Anden leverandør undersøges.",
        ),
        (38, "quality_deviation", "medium", "Kartoner med forkert rilning", False, 6, None, ""),
        (
            12,
            "delivery_delay",
            "high",
            "Produktionsstop på fabrikken i Aalborg",
            True,
            2,
            60,
            "Delleverancer fra lager.",
        ),
        (4, "capacity", "high", "Leverancer i december kun hver anden dag", True, 72, None, ""),
    ],
    "CleanTech Service": [
        (150, "other", "low", "Nyt rengøringsmiddel i kølerummene", True, 168, 2, "Sikkerhedsdatablad er lagt op."),
        (45, "capacity", "medium", "Servicebesøg flyttes til aftenvagten", True, 96, 1, ""),
    ],
}

# Host people and partner user per partner (who posts and acknowledges on each side).
PEOPLE = {
    "DanLog 3PL A/S": ("lager", "danlog"),
    "Jysk Fragt ApS": ("drift", "jysk"),
    "Emballage Nord A/S": ("lager", "emballage"),
    "CleanTech Service": ("drift", "clean"),
}

CASES = {
    "DanLog 3PL A/S": [
        {
            "title": "Manglende afhentninger i uge 14",
            "days_ago": 200,
            "what": "Tre planlagte afhentninger i Aarhus blev ikke til noget; 41 ordrer blev sendt en dag for sent.",
            "impact": "Leveringer til tiden faldt til 91 % den uge; to kundeklager.",
            "root": "Ruteplanlæggeren brugte sidste års helligdagskalender.",
            "prevention": "Kalenderen tjekkes på hvert ugentligt planlægningsmøde.",
            "resolve_after": 12,
            "stage": "resolved",
        },
        {
            "title": "Plukkefejl på blandede paller",
            "days_ago": 25,
            "what": "Fejlraten på blandede paller blev fordoblet efter det nye layout.",
            "impact": "0,9 % fejlrate mod et mål på 0,5 %.",
            "root": "Varenumre, der ligner hinanden, står side om side.",
            "prevention": "Placeringsregel: ingen varenumre, der ligner hinanden, på nabopladser.",
            "stage": "actions_agreed",
        },
    ],
    "Jysk Fragt ApS": [
        {
            "title": "Forsinkede afgange fra Kolding",
            "days_ago": 110,
            "what": "Fire aftenafgange fra Kolding kørte mellem 40 og 90 minutter for sent.",
            "impact": "Butikkerne på Fyn fik varerne efter åbningstid.",
            "root": "Læsningen begyndte først, når den sidste ordre var plukket.",
            "prevention": "Læsning i to bølger; første bølge kl. 17.",
            "resolve_after": 24,
            "stage": "resolved",
        },
        {
            "title": "Beskadigede varer på Herning-ruten",
            "days_ago": 6,
            "what": "Otte paller kom frem med knuste hjørner.",
            "impact": "Kreditnotaer for 14.000 kr.",
            "root": "",
            "prevention": "",
            "stage": "investigating",
        },
    ],
    "Emballage Nord A/S": [
        {
            "title": "Kartoner med forkert rilning",
            "days_ago": 52,
            "what": "To leverancer kartoner var rillet forkert og kunne ikke foldes i pakkemaskinen.",
            "impact": "Pakkelinje 2 stod stille i seks timer; kartonerne måtte kasseres.",
            "root": "",
            "prevention": "",
            "stage": "investigating",
        },
        {
            "title": "Sen levering af kartoner",
            "days_ago": 2,
            "what": "Leverancen af kartoner kom to dage for sent; pakkelinjen ventede fire timer.",
            "impact": "Fire timers stilstand på pakkelinjen.",
            "root": "",
            "prevention": "",
        },
    ],
    "CleanTech Service": [
        {
            "title": "Glat gulv efter rengøring i hal B",
            "days_ago": 140,
            "what": "Gulvet i hal B var glat, da morgenholdet mødte ind; en truckfører gled.",
            "impact": "Ingen skadede; hallen var lukket i en halv time.",
            "root": "Gulvet blev vasket for tæt på vagtskiftet.",
            "prevention": "Gulvvask i hal B slutter senest kl. 4.",
            "resolve_after": 4,
            "stage": "resolved",
        },
    ],
}

ENGAGEMENTS = [
    # partner, title, kind, days from today, place, agenda, notes, learnings
    (
        "DanLog 3PL A/S",
        "Besøg hos DanLog i Vejle",
        "site_visit",
        -150,
        "DanLog Vejle",
        "Gennemgang af returflowet; møde med natholdet.",
        "God dialog med natholdets holdledere.",
        "Returvarer sorteres to gange; den ene sortering kan spares.",
    ),
    (
        "DanLog 3PL A/S",
        "Workshop: returprocessen",
        "workshop",
        -40,
        "Centrallager Aarhus",
        "Returprocessen kortlægges fra ende til anden.",
        "",
        "Fælles returkoder sparer en tredjedel af håndteringstiden.",
    ),
    (
        "DanLog 3PL A/S",
        "Fælles oplæring: nye WMS-scannere",
        "training",
        12,
        "Centrallager Aarhus",
        "Grundlæggende brug; håndtering af afvigelser; spørgsmål.",
        "",
        "",
    ),
    (
        "Jysk Fragt ApS",
        "Besøg på Jysk Fragts terminal",
        "site_visit",
        20,
        "Jysk Fragt Terminal, Herning",
        "Booking af porte; lastning af trailere.",
        "",
        "",
    ),
    (
        "Emballage Nord A/S",
        "Workshop: leveringsplan for emballage",
        "workshop",
        -9,
        "Emballage Nord, Aalborg",
        "Leveringsevne i december; buffer på lager; varsling.",
        "Emballage Nord har tabt en råvareleverandør og mangler kapacitet i december.",
        "Vi bygger en buffer på to ugers forbrug og aftaler varsling senest 48 timer før.",
    ),
    (
        "CleanTech Service",
        "Gennemgang af rengøringsplanen",
        "site_visit",
        -60,
        "Cross-dock Kolding",
        "Rengøringsplan for porte og kølerum; sikkerhed ved vagtskifte.",
        "",
        "Kølerummene rengøres om natten, hvor der er mindst trafik.",
    ),
]

# title, category, (starts, ends) in months from today, status, expected effect, shared with,
# days ago it was put on the roadmap
ROADMAP = [
    (
        "Ny hal i Kolding",
        "expansion",
        (3, 12),
        "planned",
        "Flere porte til indgående varer fra 3. kvartal.",
        ["DanLog 3PL A/S", "Jysk Fragt ApS"],
        230,
    ),
    (
        "Automatisk småvarelager",
        "automation",
        (1, 6),
        "in_progress",
        "Hurtigere plukning af småvarer.",
        ["DanLog 3PL A/S"],
        160,
    ),
    (
        "Booking af porte i portalen",
        "new_systems",
        (-2, 2),
        "in_progress",
        "Book tider online.",
        ["Jysk Fragt ApS"],
        75,
    ),
    ("Prisgennemgang af udliciterede ydelser", "process_change", (2, 4), "idea", "", [], 18),
]

# (months ago, label, host scores, partner scores) per partner; anonymous rounds, shown only from
# three answers on a side (the host's three people answer every round).
SURVEYS = {
    "DanLog 3PL A/S": [
        (9, "1. kvartal", (4, 4, 4, 3, 4), (3, 3, 2, 3, 3)),
        (6, "2. kvartal", (4, 4, 4, 4, 4), (4, 3, 3, 3, 3)),
        (3, "3. kvartal", (5, 4, 4, 4, 4), (4, 4, 3, 4, 4)),
    ],
    "Jysk Fragt ApS": [
        (9, "1. kvartal", (4, 4, 3, 3, 4), (3, 3, 3, 3, 3)),
        (6, "2. kvartal", (4, 3, 4, 4, 3), (4, 3, 3, 3, 3)),
        (3, "3. kvartal", (3, 3, 3, 4, 3), (3, 4, 3, 3, 3)),
    ],
    "Emballage Nord A/S": [(3, "3. kvartal", (2, 3, 2, 2, 3), (3, 3, 3, 2, 3))],
    "CleanTech Service": [(3, "3. kvartal", (5, 5, 4, 5, 4), (4, 5, 4, 4, 4))],
}

KUDOS = [
    # days ago, partner, given by, title, message
    (280, "DanLog 3PL A/S", "lager", "Rekorduge: 99,6 % til tiden", "Tak for den ekstra indsats i spidsugen."),
    (205, "DanLog 3PL A/S", "danlog", "Stor hjælp ved WMS-skiftet", "Jeres nathold gjorde det helt smertefrit."),
    (
        160,
        "Emballage Nord A/S",
        "lager",
        "Fleksible leverancer i sommerferien",
        "I leverede, også da vi ændrede planen.",
    ),
    (95, "CleanTech Service", "drift", "Hurtig indsats efter vandskaden", "Hallen var tør og ren før morgenholdet."),
    (25, "Jysk Fragt ApS", "drift", "Ingen skader i oktober", "En hel måned uden en eneste beskadiget palle."),
]


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
