"""The demo's relationship history in Danish: notices, cases, engagements, plans, surveys and kudos per partner."""

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
