"""Who the demo organisation is: its name, units, people and the published logins."""

from app.org.models import Role, UnitKind
from app.platform.i18n import Locale

ORG_NAME = "Pohjolan Kauppa Oy"
ORG_SLUG = "pohjolan-kauppa"
EMAIL_DOMAIN = "pohjolankauppa.fi"
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the demo logins

# The logins the README shows: one person for each way of using the platform.
DEMO_LOGINS: dict[str, str] = {
    "frontline": f"aino.virtanen@{EMAIL_DOMAIN}",  # works at Helsinki Kamppi
    "store_manager": f"kaisa.makinen@{EMAIL_DOMAIN}",  # manages Helsinki Kamppi
    "region_manager": f"markku.laine@{EMAIL_DOMAIN}",  # manages Etelä-Suomi
    "hr": f"satu.lehtonen@{EMAIL_DOMAIN}",
    "admin": f"ville.heikkinen@{EMAIL_DOMAIN}",
}

# key, name, kind, parent key
UNITS: tuple[tuple[str, str, UnitKind, str | None], ...] = (
    ("company", ORG_NAME, UnitKind.COMPANY, None),
    ("etela", "Etelä-Suomi", UnitKind.REGION, "company"),
    ("lansi", "Länsi-Suomi", UnitKind.REGION, "company"),
    ("pohjoinen", "Pohjois-Suomi", UnitKind.REGION, "company"),
    ("logistiikka", "Logistiikka", UnitKind.FUNCTION, "company"),
    ("apk", "Asiakaspalvelukeskus", UnitKind.FUNCTION, "company"),
    ("kamppi", "Helsinki Kamppi", UnitKind.STORE, "etela"),
    ("kamppi_kassa", "Kassatiimi", UnitKind.TEAM, "kamppi"),
    ("kamppi_tuore", "Tuoretiski", UnitKind.TEAM, "kamppi"),
    ("iso_omena", "Espoo Iso Omena", UnitKind.STORE, "etela"),
    ("iso_omena_kassa", "Kassatiimi", UnitKind.TEAM, "iso_omena"),
    ("jumbo", "Vantaa Jumbo", UnitKind.STORE, "etela"),
    ("ratina", "Tampere Ratina", UnitKind.STORE, "lansi"),
    ("ratina_tuore", "Tuoretiski", UnitKind.TEAM, "ratina"),
    ("hansa", "Turku Hansa", UnitKind.STORE, "lansi"),
    ("puuvilla", "Pori Puuvilla", UnitKind.STORE, "lansi"),
    ("valkea", "Oulu Valkea", UnitKind.STORE, "pohjoinen"),
    ("revontuli", "Rovaniemi Revontuli", UnitKind.STORE, "pohjoinen"),
)

# The rest of the chain: stores whose staff are not among the demo's logins. They answer
# the pulse surveys and have customer outcomes, so that HR's linkage has enough units.
MORE_STORES: dict[str, tuple[str, ...]] = {
    "etela": (
        "Helsinki Itis",
        "Helsinki Redi",
        "Helsinki Tripla",
        "Espoo Sello",
        "Vantaa Myyrmanni",
        "Kerava Karuselli",
        "Lahti Trio",
        "Porvoo Näsinkulma",
        "Lohja Lohjantähti",
        "Hyvinkää Willa",
        "Kouvola Veturi",
        "Kotka Pasaati",
    ),
    "lansi": (
        "Tampere Koskikeskus",
        "Tampere Ideapark",
        "Turku Skanssi",
        "Turku Länsikeskus",
        "Rauma Syke",
        "Vaasa Rewell",
        "Seinäjoki Ideapark",
        "Hämeenlinna Goodman",
        "Salo Plaza",
        "Jyväskylä Seppä",
    ),
    "pohjoinen": (
        "Oulu Ideapark",
        "Kuopio Matkus",
        "Joensuu Iso Myy",
        "Kajaani Kauppakatu",
        "Kemi Sampokeskus",
        "Tornio Rajalla",
        "Kokkola Chydenia",
        "Mikkeli Akseli",
    ),
}
UNITS += tuple(
    (f"store_{region}_{i}", name, UnitKind.STORE, region)
    for region, names in MORE_STORES.items()
    for i, name in enumerate(names)
)

# key, first name, last name, home unit, role (granted on the home unit), locale
PEOPLE: tuple[tuple[str, str, str, str, Role, Locale], ...] = (
    ("ville", "Ville", "Heikkinen", "company", Role.ADMIN, Locale.FI),
    ("satu", "Satu", "Lehtonen", "company", Role.HR, Locale.FI),
    ("johanna", "Johanna", "Koskinen", "company", Role.HR, Locale.FI),
    # The chain's head of operations: a manager over the whole tree, for chain-wide actions.
    ("leena", "Leena", "Aaltonen", "company", Role.MANAGER, Locale.FI),
    ("markku", "Markku", "Laine", "etela", Role.MANAGER, Locale.FI),
    ("riikka", "Riikka", "Salonen", "lansi", Role.MANAGER, Locale.FI),
    ("juha", "Juha", "Kemppainen", "pohjoinen", Role.MANAGER, Locale.FI),
    ("petri", "Petri", "Halonen", "logistiikka", Role.MANAGER, Locale.FI),
    ("elina", "Elina", "Turunen", "apk", Role.MANAGER, Locale.FI),
    ("kaisa", "Kaisa", "Mäkinen", "kamppi", Role.MANAGER, Locale.FI),
    ("tomi", "Tomi", "Järvinen", "iso_omena", Role.MANAGER, Locale.FI),
    ("antti", "Antti", "Hämäläinen", "ratina", Role.MANAGER, Locale.FI),
    ("minna", "Minna", "Saarinen", "hansa", Role.MANAGER, Locale.FI),
    ("jari", "Jari", "Rantanen", "puuvilla", Role.MANAGER, Locale.FI),
    ("sanna", "Sanna", "Karjalainen", "valkea", Role.MANAGER, Locale.FI),
    # Vantaa Jumbo's store manager post is open and Rovaniemi Revontuli is too small for one:
    # their insights go to the region managers, so those have an inbox of their own.
    ("aino", "Aino", "Virtanen", "kamppi", Role.FRONTLINE, Locale.FI),
    ("samuel", "Samuel", "Okafor", "kamppi", Role.FRONTLINE, Locale.EN),
    ("mikko", "Mikko", "Korhonen", "kamppi_kassa", Role.FRONTLINE, Locale.FI),
    ("emma", "Emma", "Nieminen", "kamppi_tuore", Role.FRONTLINE, Locale.FI),
    ("laura", "Laura", "Heinonen", "iso_omena_kassa", Role.FRONTLINE, Locale.FI),
    ("james", "James", "Wilson", "iso_omena", Role.FRONTLINE, Locale.EN),
    ("niko", "Niko", "Laitinen", "jumbo", Role.FRONTLINE, Locale.FI),
    ("maria", "Maria", "Silva", "jumbo", Role.FRONTLINE, Locale.EN),
    ("tuomas", "Tuomas", "Koivisto", "ratina", Role.FRONTLINE, Locale.FI),
    ("eveliina", "Eveliina", "Lahtinen", "ratina_tuore", Role.FRONTLINE, Locale.FI),
    ("henna", "Henna", "Salminen", "hansa", Role.FRONTLINE, Locale.FI),
    ("joonas", "Joonas", "Lehtinen", "puuvilla", Role.FRONTLINE, Locale.FI),
    ("veera", "Veera", "Honkanen", "valkea", Role.FRONTLINE, Locale.FI),
    ("iida", "Iida", "Rautio", "revontuli", Role.FRONTLINE, Locale.FI),
    ("kalle", "Kalle", "Manninen", "logistiikka", Role.FRONTLINE, Locale.FI),
    ("sofia", "Sofia", "Leinonen", "apk", Role.FRONTLINE, Locale.FI),
)

# How often the demo frontline login posts, against 1.0 for everyone else.
AUTHOR_WEIGHT = {"aino": 2.5}
