"""Demo organisations, sites and users (see partnerportal/management/commands/seed_demo.py)."""

from datetime import date

from .models import Invitation, Organization, OrganizationKind, Role, Site, User

HOST = {"name": "Nordlager A/S", "city": "Aarhus", "registration_number": "DK 31 22 45 67"}
HOST_SITES = [("Centrallager Aarhus", "AAR1", "Aarhus"), ("Cross-dock Kolding", "KOL1", "Kolding")]
PARTNERS = [
    ("DanLog 3PL A/S", OrganizationKind.THIRD_PARTY_LOGISTICS, "Vejle", date(2019, 3, 1), ("DanLog Vejle", "DL-VEJ")),
    ("Jysk Fragt ApS", OrganizationKind.CARRIER, "Herning", date(2021, 8, 15), ("Jysk Fragt Terminal", "JF-HER")),
    ("Emballage Nord A/S", OrganizationKind.SUPPLIER, "Aalborg", date(2020, 1, 10), None),
    ("CleanTech Service", OrganizationKind.SERVICE_PROVIDER, "Odense", date(2023, 5, 2), None),
]
# Host staff's internal notes on each partner (partners never see them).
INTERNAL_NOTES = {
    "DanLog 3PL A/S": "Kontrakten fornyes i 3. kvartal; prispres forventes.",
    "Jysk Fragt ApS": "Leveringstiden er gledet siden sommer; følg op på chaufførbemandingen.",
    "Emballage Nord A/S": "Kritisk: leveringsevnen svigter. Overvej en ekstra leverandør af kartoner.",
    "CleanTech Service": "Stabil og hurtig til at reagere; fejlraten er på vej ned.",
}
USERS = [
    # username, first, last, role, organisation name (None = host), title
    ("admin", "Anne", "Andersen", Role.ADMIN, None, "IT og systemer"),
    ("lager", "Lars", "Larsen", Role.MANAGER, None, "Lagerchef"),
    ("drift", "Dorte", "Damgaard", Role.MANAGER, None, "Driftschef"),
    ("danlog", "Peter", "Pedersen", Role.PARTNER_MANAGER, "DanLog 3PL A/S", "Kundeansvarlig"),
    ("danlog_view", "Vibeke", "Vestergaard", Role.PARTNER_VIEWER, "DanLog 3PL A/S", "Planlægger"),
    ("jysk", "Jens", "Jensen", Role.PARTNER_MANAGER, "Jysk Fragt ApS", "Trafikleder"),
    ("jysk_view", "Jonna", "Jakobsen", Role.PARTNER_VIEWER, "Jysk Fragt ApS", "Disponent"),
    ("emballage", "Ebbe", "Eriksen", Role.PARTNER_MANAGER, "Emballage Nord A/S", "Salgschef"),
    ("clean", "Camilla", "Christensen", Role.PARTNER_MANAGER, "CleanTech Service", "Serviceleder"),
]
# A colleague DanLog's partner manager has invited and who has not answered yet (People on DanLog's hub).
DEMO_INVITEE = "ny.kollega@danlog.example"


def seed(demo):
    host, _ = Organization.objects.get_or_create(
        kind=OrganizationKind.HOST,
        defaults={**HOST, "description": "Lageroperatør i Jylland med lager i Aarhus og cross-dock i Kolding."},
    )
    demo.objects["host"] = host
    for name, code, city in HOST_SITES:
        Site.objects.get_or_create(code=code, defaults={"organization": host, "name": name, "city": city})
    partners = {}
    for name, kind, city, since, site in PARTNERS:
        partner, _ = Organization.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "city": city,
                "partner_since": since,
                "email": f"info@{name.split()[0].lower()}.example",
                "internal_notes": INTERNAL_NOTES.get(name, ""),
            },
        )
        partners[name] = partner
        if site:
            Site.objects.get_or_create(code=site[1], defaults={"organization": partner, "name": site[0], "city": city})
    demo.objects["partners"] = list(partners.values())
    users = {}
    for username, first, last, role, org_name, title in USERS:
        organization = partners[org_name] if org_name else host
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.com",
                role=role,
                organization=organization,
                title=title,
                language="da" if role != Role.ADMIN else "en",
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            user.set_password(demo.password)
            user.save()
        users[username] = user
        demo.logins.append((username, user.get_role_display(), organization.name))
    demo.objects["users"] = users
    if not Invitation.objects.filter(email__iexact=DEMO_INVITEE).exists():
        from .services import invitation_invite

        invitation_invite(
            user=users["danlog"],
            organization=partners["DanLog 3PL A/S"],
            email=DEMO_INVITEE,
            role=Role.PARTNER_VIEWER,
            language="da",
        )
